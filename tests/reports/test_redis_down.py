"""Redis stops during use: pages keep working, a requested PDF is recorded as queued, and the
reaper and a real worker complete it once Redis is back.

Each test starts a redis-server of its own on a free port (never the suite's Redis) and points
the cache (django-redis, as in production) and the Celery broker at it. The Celery app read its
broker URL from the settings at import, so the test sets `app.conf.broker_url` as well:
`reports.services._send` opens a connection of its own from `app.conf` for every message, so
nothing cached in the app's connection pool has to be reset (the test restores the URL).
"""

import hashlib
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from reports.models import Document
from reports.services import documents_reap
from tests.factories import client_sign_in, login, person
from tests.inspections.factories import make_inspection
from tests.worker import Workers, worker_env, worker_media_root

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = shutil.which("redis-server")
PROMPT_SECONDS = 2.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """A throwaway redis-server: no snapshot, no append-only file, so a restart starts empty."""

    folder: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.folder),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case a test paused it
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path, settings):
    """A Redis of the test's own, used by the cache and the Celery broker of this process."""
    if REDIS_SERVER is None:
        pytest.skip("needs redis-server on the PATH (apt-get install redis-server)")
    from config.celery import app

    # Read before the settings change: the app loads its configuration on first use.
    broker_url, eager = app.conf.broker_url, app.conf.task_always_eager
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder=folder)
    server.start()
    settings.REDIS_URL = server.url(0)
    settings.CELERY_BROKER_URL = server.url(0)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": server.url(1),
            # As config.settings.base: a cache outage reads as cache misses.
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    app.conf.broker_url = server.url(0)
    app.conf.task_always_eager = False
    yield server
    app.conf.broker_url, app.conf.task_always_eager = broker_url, eager
    server.stop()


@pytest.fixture
def own_worker(own_redis, tmp_path, settings):
    """A real worker process whose broker is the test's own Redis."""
    hold_file = tmp_path / "hold"
    workers = Workers(
        env=worker_env(hold_file=hold_file, redis_url=own_redis.url(0)),
        log_dir=tmp_path,
        hold_file=hold_file,
    )
    workers.start()
    settings.MEDIA_ROOT = worker_media_root()  # where the worker stores files
    yield workers
    workers.stop_all()


def _request_pdf(client, framework) -> tuple[Document, float, int]:
    url = reverse("reports:document_request", args=["framework_booklet", framework.pk])
    started = time.monotonic()
    response = client.post(url)
    elapsed = time.monotonic() - started
    return Document.objects.get(kind="framework_booklet"), elapsed, response.status_code


def _wait_until_done(document: Document, workers: Workers, timeout: float = 30) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.state in {Document.State.READY, Document.State.FAILED}:
            return document
        time.sleep(0.2)
    log = workers.current.log()[-3000:] if workers.current else ""
    raise AssertionError(f"Document {document.pk} is still {document.state}. Worker log:\n{log}")


def test_pages_work_while_redis_is_down_and_the_pdf_is_made_when_it_returns(
    client, framework, own_redis, own_worker
):
    manager = person(Role.MANAGER)
    inspection = make_inspection()
    login(client, manager)
    assert client.get(reverse("reports:dashboard")).status_code == 200  # fills the cache

    own_redis.stop()

    # Sessions are in the database and the cache reads as empty: pages still render.
    assert client.get(reverse("reports:dashboard")).status_code == 200
    detail = reverse("inspections:inspection_detail", args=[inspection.pk])
    assert client.get(detail).status_code == 200
    assert Client().get(reverse("core:health")).status_code == 200
    # Public response pages count requests in the cache; with the cache down they still answer.
    assert Client().get("/r/no-such-token/").status_code == 404
    # Signing in (password and security code) works.
    other = Client()
    assert client_sign_in(other, manager).status_code == 302
    assert other.get(detail).status_code == 200

    document, elapsed, status = _request_pdf(client, framework)
    print(f"\nPDF request with Redis down: {elapsed * 1000:.0f} ms")
    assert status == 302
    assert elapsed < PROMPT_SECONDS
    assert document.state == Document.State.QUEUED
    assert document.enqueued_at is None  # left for the reaper's next run
    page = client.get(reverse("reports:document_detail", args=[document.pk]))
    assert page.status_code == 200 and 'data-state="queued"' in page.content.decode()

    own_redis.start()  # the same port, empty: the message never reached it
    assert documents_reap() == [document.pk]  # as Celery beat runs it every minute

    document = _wait_until_done(document, own_worker)
    assert document.state == Document.State.READY, document.failure_reason
    content = (Path(settings.MEDIA_ROOT) / document.file.name).read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == document.sha256
    (Path(settings.MEDIA_ROOT) / document.file.name).unlink()


def test_a_hung_redis_does_not_hold_up_a_pdf_request(client, framework, own_redis):
    """Redis accepts connections but never answers (paused): the request still returns soon."""
    login(client, person(Role.MANAGER))
    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        document, elapsed, status = _request_pdf(client, framework)
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    print(f"\nPDF request with Redis hung: {elapsed * 1000:.0f} ms")
    assert status == 302
    assert elapsed < PROMPT_SECONDS
    assert document.state == Document.State.QUEUED
    assert document.enqueued_at is None
