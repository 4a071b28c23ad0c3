"""Document services: request, claim and render, duplicate deliveries, the reaper, failures."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AuditEvent
from qi_framework.services import quality_indicator_update
from reports import services
from reports.models import Document
from reports.services import (
    ONLY_FAILED_CAN_BE_RETRIED,
    SUBJECT_GONE,
    TOO_MANY_ATTEMPTS,
    UNEXPECTED,
    document_file_name,
    document_render,
    document_request,
    document_retry,
    documents_reap,
)

pytestmark = pytest.mark.django_db

BOOKLET = "framework_booklet"
SMALL = "test_small"  # one page: for tests of a document's life rather than its content


def _files(kind: str = SMALL) -> list[str]:
    folder = f"documents/{kind}"
    if not default_storage.exists(folder):
        return []
    return sorted(default_storage.listdir(folder)[1])


def test_a_request_creates_a_queued_document_and_sends_one_message_on_commit(
    framework, member, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(kind=BOOKLET, subject=framework, by=member)
        assert sent == []  # nothing is sent before the row is committed

    assert sent == [document.pk]
    document.refresh_from_db()
    assert document.state == Document.State.QUEUED
    assert document.subject == framework
    assert document.version == 1
    assert document.requested_by == member
    assert document.enqueued_at is not None
    assert document.title.startswith("Quality indicator framework, version 1")
    assert AuditEvent.objects.filter(
        action="document_requested", object_id=str(document.pk), actor=member
    ).exists()


def test_asking_again_for_the_same_version_returns_the_same_document(
    framework, member, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = document_request(kind=BOOKLET, subject=framework, by=member)
    with django_capture_on_commit_callbacks(execute=True):
        second = document_request(kind=BOOKLET, subject=framework, by=member)

    assert second.pk == first.pk
    assert Document.objects.count() == 1
    assert sent == [first.pk]


def test_an_edit_to_the_framework_makes_the_next_request_a_new_revision(framework, member, sent):
    first = document_request(kind=BOOKLET, subject=framework, by=member)
    qi = framework.quality_indicators.get(code="1.1")
    quality_indicator_update(
        qi=qi, name=qi.name, description="Changed.", themes=qi.themes, by=member
    )

    second = document_request(kind=BOOKLET, subject=framework, by=member)

    assert second.pk != first.pk
    assert (first.version, second.version) == (1, 2)


def test_the_database_refuses_two_documents_for_the_same_version(framework, member, sent):
    document = document_request(kind=BOOKLET, subject=framework, by=member)
    with pytest.raises(IntegrityError):
        Document.objects.create(
            kind=document.kind,
            subject_type=document.subject_type,
            subject_id=document.subject_id,
            version=document.version,
            title="Again",
        )


def test_a_kind_refuses_a_subject_of_the_wrong_type(member, sent):
    with pytest.raises(ApplicationError):
        document_request(kind=BOOKLET, subject=member, by=member)
    with pytest.raises(ApplicationError):
        document_request(kind="no_such_kind", subject=None, by=member)


def test_render_stores_one_file_with_its_hash_and_page_count(framework, member, sent):
    document = document_request(kind=BOOKLET, subject=framework, by=member)

    rendered = document_render(document_id=document.pk)

    document.refresh_from_db()
    assert rendered == document
    assert document.state == Document.State.READY
    assert (
        document.file.name
        == document_file_name(document)
        == f"documents/{BOOKLET}/{document.pk}.pdf"
    )
    content = document.file.read()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.page_count > 10
    assert document.rendered_at is not None
    assert document.attempts == 1
    assert _files(BOOKLET) == [f"{document.pk}.pdf"]
    assert AuditEvent.objects.filter(
        action="document_rendered", object_id=str(document.pk)
    ).exists()


def test_a_duplicate_delivery_of_a_ready_document_does_nothing(framework, member, sent):
    document = document_request(kind=SMALL, subject=framework, by=member)
    document_render(document_id=document.pk)
    document.refresh_from_db()
    before = (document.sha256, document.rendered_at, document.attempts)

    assert document_render(document_id=document.pk) is None

    document.refresh_from_db()
    assert (document.sha256, document.rendered_at, document.attempts) == before
    assert _files() == [f"{document.pk}.pdf"]


def test_a_duplicate_delivery_while_another_render_holds_the_claim_does_nothing(
    framework, member, sent, monkeypatch
):
    document = document_request(kind=SMALL, subject=framework, by=member)
    Document.objects.filter(pk=document.pk).update(
        state=Document.State.RENDERING, claimed_at=timezone.now(), attempts=1
    )
    monkeypatch.setattr(services, "render_pdf", pytest.fail)  # must not be called

    assert document_render(document_id=document.pk) is None

    document.refresh_from_db()
    assert document.state == Document.State.RENDERING
    assert document.attempts == 1


def test_a_render_that_lost_its_claim_stores_nothing(framework, member, sent, monkeypatch):
    """A slow render whose document was given to a newer render by the reaper."""
    document = document_request(kind=SMALL, subject=framework, by=member)
    real_render_pdf = services.render_pdf

    def render_while_reaped(**kwargs):
        result = real_render_pdf(**kwargs)
        # Meanwhile the reaper queued the document again and a second render claimed it.
        Document.objects.filter(pk=document.pk).update(attempts=2, claimed_at=timezone.now())
        return result

    monkeypatch.setattr(services, "render_pdf", render_while_reaped)

    assert document_render(document_id=document.pk) is None

    document.refresh_from_db()
    assert document.state == Document.State.RENDERING
    assert not document.file
    assert _files() == []


def test_rendering_again_replaces_a_partial_file_instead_of_adding_one(framework, member, sent):
    document = document_request(kind=SMALL, subject=framework, by=member)
    # A worker died after writing the file but before committing the row.
    default_storage.save(document_file_name(document), ContentFile(b"partial"))

    document_render(document_id=document.pk)

    document.refresh_from_db()
    assert _files() == [f"{document.pk}.pdf"]
    assert document.file.read().startswith(b"%PDF-")


def test_a_failure_stores_a_reason_a_person_can_read(framework, member, sent):
    document = document_request(kind="test_broken", subject=framework, by=member)

    document_render(document_id=document.pk)

    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert document.failure_reason == UNEXPECTED.format(id=document.pk)
    assert "Traceback" not in document.failure_reason
    assert "secret internal detail" not in document.failure_reason
    assert _files("test_broken") == []


def test_a_document_whose_subject_is_gone_fails_with_that_reason(framework, member, sent):
    document = document_request(kind=BOOKLET, subject=framework, by=member)
    Document.objects.filter(pk=document.pk).update(subject_id=framework.pk + 10_000)

    document_render(document_id=document.pk)

    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert document.failure_reason == SUBJECT_GONE.format(label="framework booklet")


def test_retry_queues_a_failed_document_again(
    framework, member, sent, django_capture_on_commit_callbacks
):
    document = document_request(kind="test_broken", subject=framework, by=member)
    document_render(document_id=document.pk)
    document.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        document_retry(document=document, by=member)

    document.refresh_from_db()
    assert document.state == Document.State.QUEUED
    assert document.failure_reason == ""
    assert document.attempts == 0
    assert sent[-1] == document.pk
    assert AuditEvent.objects.filter(action="document_retried", object_id=str(document.pk)).exists()


def test_only_a_failed_document_can_be_retried(framework, member, sent):
    document = document_request(kind=BOOKLET, subject=framework, by=member)
    with pytest.raises(ApplicationError) as refused:
        document_retry(document=document, by=member)
    assert refused.value.message == ONLY_FAILED_CAN_BE_RETRIED


def test_asking_again_for_a_failed_document_tries_it_again(framework, member, sent):
    document = document_request(kind="test_broken", subject=framework, by=member)
    document_render(document_id=document.pk)

    again = document_request(kind="test_broken", subject=framework, by=member)

    assert again.pk == document.pk
    assert again.state == Document.State.QUEUED


def test_the_reaper_sends_old_queued_and_rendering_documents_again_and_not_fresh_ones(
    framework, member, sent, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(minutes=11)
    fresh = timezone.now() - timedelta(minutes=1)
    versions = iter(range(1, 100))

    def make(state, **fields):
        return Document.objects.create(
            kind=BOOKLET,
            subject=framework,
            version=next(versions),
            title="t",
            state=state,
            **fields,
        )

    old_queued = make(Document.State.QUEUED, enqueued_at=old)
    never_sent = make(Document.State.QUEUED, enqueued_at=None)
    old_rendering = make(Document.State.RENDERING, enqueued_at=old, claimed_at=old, attempts=1)
    make(Document.State.QUEUED, enqueued_at=fresh)
    make(Document.State.RENDERING, enqueued_at=old, claimed_at=fresh, attempts=1)
    make(Document.State.FAILED, enqueued_at=old)

    with django_capture_on_commit_callbacks(execute=True):
        reaped = documents_reap(older_than=timedelta(minutes=10))

    assert sorted(reaped) == sorted([old_queued.pk, never_sent.pk, old_rendering.pk])
    assert sorted(sent) == sorted(reaped)
    old_rendering.refresh_from_db()
    assert old_rendering.state == Document.State.QUEUED
    assert old_rendering.claimed_at is None
    # Sent again just now: the next reaper run leaves them alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_reap(older_than=timedelta(minutes=10)) == []


def test_the_reaper_uses_the_timeout_setting_by_default(framework, sent, settings):
    settings.DOCUMENT_RENDER_TIMEOUT_SECONDS = 60
    document = Document.objects.create(
        kind=BOOKLET,
        subject=framework,
        version=1,
        title="t",
        enqueued_at=timezone.now() - timedelta(seconds=90),
    )
    assert documents_reap() == [document.pk]


def test_the_reaper_gives_up_on_a_document_that_keeps_killing_its_worker(framework, sent, settings):
    settings.DOCUMENT_RENDER_MAX_ATTEMPTS = 3
    old = timezone.now() - timedelta(hours=1)
    document = Document.objects.create(
        kind=BOOKLET,
        subject=framework,
        version=1,
        title="t",
        state=Document.State.RENDERING,
        enqueued_at=old,
        claimed_at=old,
        attempts=3,
    )

    assert documents_reap() == []

    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert document.failure_reason == TOO_MANY_ATTEMPTS.format(attempts=3)


def test_a_broker_outage_leaves_the_document_queued_for_the_reaper(
    framework, member, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(document_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(services.document_render_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(kind=BOOKLET, subject=framework, by=member)

    document.refresh_from_db()
    assert document.state == Document.State.QUEUED


def test_in_the_embedded_default_the_render_runs_in_process_on_commit(
    framework, member, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(kind=SMALL, subject=framework, by=member)

    document.refresh_from_db()
    assert document.state == Document.State.READY
    assert _files() == [f"{document.pk}.pdf"]
