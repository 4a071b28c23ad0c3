"""With a real Celery worker process, Redis and PostgreSQL: the booklet is rendered in the
background, and a worker killed in the middle of a render loses nothing and leaves one file."""

import hashlib
import re
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from reports.models import Document
from reports.services import document_request, documents_reap
from tests.factories import person

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DONE = {Document.State.READY, Document.State.FAILED}


def _wait_for(document_id: int, states, workers, timeout: float = 120) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.state in states:
            return document
        time.sleep(0.2)
    log = workers.current.log()[-3000:] if workers.current else ""
    raise AssertionError(f"Document {document_id} is still {document.state}. Worker log:\n{log}")


def _run(*args) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_a_worker_renders_the_booklet_as_a_tagged_pdf_with_embedded_fonts(celery_worker, framework):
    member = person(Role.PARTNERSHIP_MEMBER)

    document = document_request(kind="framework_booklet", subject=framework, by=member)
    document = _wait_for(document.pk, DONE, celery_worker)

    assert document.state == Document.State.READY, document.failure_reason
    path = Path(settings.MEDIA_ROOT) / document.file.name
    content = path.read_bytes()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    info = _run("pdfinfo", str(path))
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(rf"^Title:\s+{re.escape(document.title)}$", info, re.M)
    assert re.search(rf"^Pages:\s+{document.page_count}$", info, re.M)
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    assert {f[0].split("+")[-1] for f in fonts} == {"Noto-Sans", "Noto-Sans-Bold"}
    assert all(f[-5] == "yes" for f in fonts), "every font is embedded"


def test_a_worker_killed_mid_render_loses_nothing_and_leaves_one_file(celery_worker, framework):
    celery_worker.hold_file.touch()  # the "test_slow" kind waits while this file exists

    document = document_request(kind="test_slow", subject=framework, by=None)
    claimed = _wait_for(document.pk, {Document.State.RENDERING}, celery_worker, timeout=60)
    assert claimed.attempts == 1

    celery_worker.kill()  # SIGKILL while the render is claimed
    celery_worker.hold_file.unlink()
    celery_worker.start()
    # The claim is now older than the short test timeout given to the reaper.
    while timezone.now() - claimed.claimed_at < timedelta(seconds=1):
        time.sleep(0.1)
    assert documents_reap(older_than=timedelta(seconds=1)) == [document.pk]

    document = _wait_for(document.pk, DONE, celery_worker)
    assert document.state == Document.State.READY, document.failure_reason
    assert document.attempts == 2
    assert Document.objects.filter(kind="test_slow").count() == 1
    folder = Path(settings.MEDIA_ROOT) / "documents" / "test_slow"
    assert sorted(p.name for p in folder.iterdir()) == [f"{document.pk}.pdf"]
