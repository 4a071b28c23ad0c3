"""The file store is full or cannot be written: a document render or an upload fails with a
message a person can act on, and leaves no file and no half-written record.

The store's failures are simulated by patching `FileSystemStorage._save` to raise the OSError a
full disk (ENOSPC) or a refused write (EACCES) gives, after writing part of the file where that
is what a full disk does. A real unwritable folder (chmod 0o500) does not stop the tests here,
which run as root; a folder path that runs through a plain file is refused even to root, so
that case uses the real filesystem.
"""

import errno
import os
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from core.models import AuditEvent, StoredFile
from core.uploads import services as upload_services
from inspections.models import Population
from reports import services
from reports.models import Document
from tests.factories import login, person
from tests.inspections.factories import make_inspection

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CSV = b"Reference,Order date\r\nWD-001,08/01/2018\r\n"


def _failing_save(code: int, *, partial: bool):
    """A FileSystemStorage._save that fails as the store would, perhaps after part of a file."""

    def _save(self, name, content):
        if partial:
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.read()[:10])  # as far as the disk had room for
        raise OSError(code, os.strerror(code))

    return _save


def _files_under(folder) -> list[Path]:
    folder = Path(folder)
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def queued(framework, sent):
    return services.document_request(kind="test_small", subject=framework, by=None)


def _assert_failed_cleanly(document: Document, settings) -> None:
    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert document.failure_reason == services.STORAGE_FAILED
    assert not document.file.name and not document.sha256 and document.rendered_at is None
    assert document.claimed_at is None
    assert _files_under(settings.MEDIA_ROOT) == []
    failed = AuditEvent.objects.get(action="document_failed", object_id=str(document.pk))
    assert failed.detail == services.STORAGE_FAILED
    assert not AuditEvent.objects.filter(action="document_rendered").exists()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_render_the_store_cannot_keep_fails_with_a_reason_and_no_file(
    queued, settings, monkeypatch, code
):
    monkeypatch.setattr(FileSystemStorage, "_save", _failing_save(code, partial=True))

    assert services.document_render(document_id=queued.pk) == queued

    _assert_failed_cleanly(queued, settings)


def test_a_render_into_a_folder_that_cannot_exist_fails_with_a_reason(queued, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the document store's folder should be")
    settings.MEDIA_ROOT = blocker / "media"  # a real OSError, even for root

    services.document_render(document_id=queued.pk)

    _assert_failed_cleanly(queued, settings)
    assert blocker.read_text().startswith("a file")


def test_the_document_page_tells_the_person_what_to_do(client, queued, member, monkeypatch):
    monkeypatch.setattr(FileSystemStorage, "_save", _failing_save(errno.ENOSPC, partial=False))
    services.document_render(document_id=queued.pk)
    login(client, member)

    page = client.get(reverse("reports:document_detail", args=[queued.pk]))

    assert page.status_code == 200
    assert services.STORAGE_FAILED in page.content.decode()


def test_a_document_that_failed_for_storage_renders_once_space_is_freed(
    queued, settings, monkeypatch
):
    with monkeypatch.context() as patch:
        patch.setattr(FileSystemStorage, "_save", _failing_save(errno.ENOSPC, partial=True))
        services.document_render(document_id=queued.pk)
    services.document_retry(document=queued, by=None)

    document = services.document_render(document_id=queued.pk)

    assert document.state == Document.State.READY
    assert [p.name for p in _files_under(settings.MEDIA_ROOT)] == [f"{queued.pk}.pdf"]


# --- Uploads ----------------------------------------------------------------------------------


@pytest.fixture
def inspection(reference_data):
    return make_inspection()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_an_evidence_upload_the_store_cannot_keep_is_refused_on_the_form(
    client, inspection, settings, monkeypatch, code
):
    monkeypatch.setattr(FileSystemStorage, "_save", _failing_save(code, partial=True))
    login(client, person(Role.AUTHORITY_CONTACT))

    response = client.post(
        reverse("inspections:selfassessment_upload", kwargs={"pk": inspection.pk}),
        {"file": SimpleUploadedFile("Self-evaluation.pdf", PDF)},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert upload_services.STORAGE_FAILED in page
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action="file_uploaded").exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_a_population_upload_the_store_cannot_keep_is_refused_on_the_form(
    client, inspection, settings, monkeypatch
):
    monkeypatch.setattr(FileSystemStorage, "_save", _failing_save(errno.ENOSPC, partial=True))
    login(client, person(Role.AUTHORITY_CONTACT))

    response = client.post(
        reverse("inspections:population_upload", args=[inspection.pk]),
        {"file": SimpleUploadedFile("population.csv", CSV)},
    )

    assert response.status_code == 200
    assert upload_services.STORAGE_FAILED in response.content.decode()
    assert not StoredFile.objects.exists()
    assert not Population.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_an_upload_into_a_folder_that_cannot_exist_is_refused(inspection, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the file store's folder should be")
    settings.MEDIA_ROOT = blocker / "media"

    with pytest.raises(upload_services.UploadRejected) as refused:
        upload_services.upload_accept(
            file=SimpleUploadedFile("Self-evaluation.pdf", PDF),
            policy="evidence",
            by=inspection.lead,
            owner=inspection,
        )

    assert refused.value.message == upload_services.STORAGE_FAILED
    assert refused.value.code == "storage_failed"
    assert not StoredFile.objects.exists()
