"""A real Celery worker in its own process, for tests marked `worker`.

The session starts one `celery -A config worker -P solo -Q celery,documents` against the same
Redis and the same PostgreSQL test database as the tests (which must be transactional, so the
worker sees their data). Tests may kill it (SIGKILL, as a crash or an out-of-memory kill would)
and start another; the `celery_worker` fixture makes sure one is running when a test begins.

The worker uses config.settings.test, so the files it writes are under that module's
MEDIA_ROOT; `celery_worker` points the test's own storage there too.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
QUEUES = "celery,documents"
HOLD_FILE_ENV = "TEST_RENDER_HOLD_FILE"
READY_TIMEOUT = 90


def worker_media_root() -> Path:
    """The MEDIA_ROOT of the worker process (config.settings.test's, not the test's tmp one)."""
    from config.settings import test as test_settings

    return Path(test_settings.MEDIA_ROOT)


def database_url(db: dict) -> str:
    """Return a DATABASE_URL for django-environ naming the given (test) database."""
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(db.get("HOST") or "127.0.0.1", safe="")  # a socket folder is quoted
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def purge_broker() -> None:
    """Drop every message left in the test broker: queued, and unacknowledged by dead workers."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [*QUEUES.split(","), "unacked", "unacked_index", "unacked_mutex"]
    client.delete(*keys)
    client.close()


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if not self.alive:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The Celery worker did not start:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """Kill the worker at once (SIGKILL): no clean-up, no acknowledgement, as in a crash."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Workers:
    """Start, kill and restart the session's worker processes."""

    env: dict[str, str]
    log_dir: Path
    hold_file: Path
    current: WorkerProcess | None = None
    started: list[WorkerProcess] = field(default_factory=list)

    def start(self) -> WorkerProcess:
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        log_path = self.log_dir / f"worker-{len(self.started) + 1}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-P", "solo", "-Q", QUEUES, "-n", name, "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--include", "tests.reports.kinds_for_tests",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so a kill reaches it all
            )
        worker = WorkerProcess(name=name, process=process, log_path=log_path)
        self.started.append(worker)
        worker.wait_ready()
        self.current = worker
        return worker

    def ensure_running(self) -> WorkerProcess:
        if self.current is None or not self.current.alive:
            return self.start()
        return self.current

    def kill(self) -> None:
        if self.current is not None:
            self.current.kill()
            self.current = None

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current = None

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()
        self.current = None


def worker_env(*, hold_file: Path, redis_url: str | None = None) -> dict[str, str]:
    """The environment of a worker process: the test database, and `redis_url` as its broker
    (the suite's REDIS_URL unless given, e.g. a Redis of a test's own that it stops)."""
    from django.db import connection

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_url or settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        HOLD_FILE_ENV: str(hold_file),
        "PYTHONUNBUFFERED": "1",
    }


def _skip_reason() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL"
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL"
    return None


@pytest.fixture(scope="session")
def celery_workers(django_db_setup, tmp_path_factory):
    """The session's worker processes (one started now), against the test database."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("celery-worker")
    hold_file = folder / "hold"
    env = worker_env(hold_file=hold_file)
    purge_broker()
    shutil.rmtree(worker_media_root() / "documents", ignore_errors=True)
    workers = Workers(env=env, log_dir=folder, hold_file=hold_file)
    workers.start()
    yield workers
    workers.stop_all()
    purge_broker()
    shutil.rmtree(worker_media_root() / "documents", ignore_errors=True)


@pytest.fixture
def celery_worker(celery_workers, settings):
    """A running worker; the test's storage and task settings match the worker's."""
    from config.celery import app

    celery_workers.ensure_running()
    celery_workers.hold_file.unlink(missing_ok=True)
    settings.MEDIA_ROOT = worker_media_root()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield celery_workers
    app.conf.task_always_eager = eager
    celery_workers.hold_file.unlink(missing_ok=True)
