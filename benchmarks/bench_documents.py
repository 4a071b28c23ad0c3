"""Documents: the booklet's render time against WeasyPrint alone, and the time to ask for one.

- "booklet render (warm process)": reports.services.document_render for a queued booklet, as a
  warm worker runs it (claim, queries, template, WeasyPrint, file, row), median of N.
- "WeasyPrint alone (floor)": reports.rendering.render_pdf on the same HTML, median of N; the
  note gives the ratio render/floor, the cost of everything that is not WeasyPrint.
- With REDIS_URL set: "ask → ready via a worker", a real Celery worker process started here
  (the document is asked for with the real service and polled until ready), and "POST ask for a
  document", the request that creates the row and sends the message to Redis (no worker running
  while it is timed; the target is under 100 ms). Without REDIS_URL the POST renders in-process
  (the embedded default), which the note says.

Files are written to a temporary folder, removed at the end.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, percentile, render_against_floor

N_RENDER = 5
N_REQUEST = 30
BASE_DIR = Path(__file__).resolve().parent.parent


def _row(name: str, samples: list[float], note: str = "") -> Row:
    return Row(name, statistics.median(samples), percentile(samples, 0.95), len(samples), note)


def _start_worker(media_root: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "MEDIA_ROOT": media_root, "CELERY_TASK_ALWAYS_EAGER": "false"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo",
             "-Q", "celery,documents", "-l", "info", "-n", f"bench-{os.getpid()}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if " ready." in log_path.read_text(errors="replace"):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("worker did not start:\n" + log_path.read_text(errors="replace")[-3000:])


def run() -> list[Row]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from accounts.models import Organisation, Role, User
    from accounts.services import organisations_load
    from config.celery import app
    from qi_framework.services import framework_load
    from reports.models import Document
    from reports.services import document_request

    setup_test_environment()
    call_command("migrate", verbosity=0)
    organisations_load()
    framework, _ = framework_load()
    user, _ = User.objects.get_or_create(email="bench@bench.test", defaults={"name": "Bench"})
    organisation = Organisation.objects.get(slug="ayrshire-community-justice-partnership")
    user.memberships.get_or_create(organisation=organisation, role=Role.PARTNERSHIP_MEMBER)
    media_root = tempfile.mkdtemp(prefix="bench-documents-")
    vendor = connection.vendor
    rows = []

    def fresh_document() -> Document:
        Document.objects.filter(kind="framework_booklet").delete()
        return Document.objects.create(
            kind="framework_booklet", subject=framework, version=1, title="Bench booklet"
        )

    try:
        with override_settings(MEDIA_ROOT=media_root):
            renders, floors, document = render_against_floor(fresh_document, N_RENDER)
            ratio = statistics.median(renders) / statistics.median(floors)
            pages = document.page_count
            rows.append(_row("booklet render (warm process)", renders, f"{pages} pages, {vendor}"))
            rows.append(
                _row("WeasyPrint alone on the same HTML (floor)", floors, f"ratio {ratio:.2f}")
            )  # noqa: E501

            client = Client(raise_request_exception=True)
            client.force_login(user)
            url = f"/documents/request/framework_booklet/{framework.pk}/"
            if settings.REDIS_URL and not app.conf.task_always_eager:
                rows.append(_worker_round_trip(media_root, framework, user, document_request))
                timings = []
                for _ in range(N_REQUEST):
                    Document.objects.filter(kind="framework_booklet").delete()
                    start = time.perf_counter()
                    response = client.post(url)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 302
                _purge_documents_queue()
                rows.append(_row("POST ask for a document (enqueue to Redis)", timings, vendor))
            else:
                timings = []
                for _ in range(3):
                    Document.objects.filter(kind="framework_booklet").delete()
                    start = time.perf_counter()
                    client.post(url)
                    timings.append((time.perf_counter() - start) * 1000)
                rows.append(
                    _row("POST ask for a document (no REDIS_URL)", timings, "renders in-process")
                )
    finally:
        Document.objects.filter(kind="framework_booklet").delete()
        shutil.rmtree(media_root, ignore_errors=True)
    return rows


def _worker_round_trip(media_root, framework, user, document_request) -> Row:
    from reports.models import Document

    log_path = Path(media_root) / "worker.log"
    worker = _start_worker(media_root, log_path)
    try:
        samples = []
        for i in range(N_RENDER + 1):
            Document.objects.filter(kind="framework_booklet").delete()
            start = time.perf_counter()
            document = document_request(kind="framework_booklet", subject=framework, by=user)
            while True:
                document.refresh_from_db()
                if document.state in {Document.State.READY, Document.State.FAILED}:
                    break
                time.sleep(0.02)
            assert document.state == Document.State.READY, document.failure_reason
            if i:  # the first one warms the worker
                samples.append((time.perf_counter() - start) * 1000)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return _row("ask → ready via a warm worker (Redis)", samples, "includes queue pickup")


def _purge_documents_queue() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("documents")
    client.close()
