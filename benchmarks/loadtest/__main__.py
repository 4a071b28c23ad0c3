"""`make loadtest`: the app under load on loopback, and a table of what it measured (issue 9).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/justice_loadtest \
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python -m benchmarks.loadtest

1. Creates the database if it does not exist, migrates it and loads the reference data (as
   the deployment's `migrate` job does), collects the static files, and prepares the people
   and work (benchmarks/loadtest/prepare.py).
2. Starts gunicorn on a spare loopback port with production settings
   (benchmarks/loadtest/settings.py: production, static files collected outside the checkout)
   and LOADTEST_GUNICORN_WORKERS sync workers (default 2 × cores + 1 = 5 on two cores:
   requests spend part of their time waiting for PostgreSQL, so more processes than cores keep
   both cores busy, while separate processes avoid the GIL that threads would share, and a slow
   dashboard or report page never holds up an autosave while another worker is free).
3. Starts one Celery worker (`-Q celery,documents -c 1`, prefork as deployed) on REDIS_URL.
4. Runs locust headless (benchmarks/loadtest/locustfile.py: 50 readers, 5 managers, 2 people
   asking for PDFs), starting LOADTEST_SPAWN_RATE people a second (default 1: each sign-in
   hashes a password, about half a core-second, so a faster rush of sign-ins saturates two
   cores and queues everyone's requests behind it), then LOADTEST_SECONDS (default 300) of
   full load, and samples the CPU meanwhile.
5. Prints requests, failures and p50/p95/p99 per endpoint three ways: as locust saw them over
   the whole run, as locust saw them once everyone had signed in, and as gunicorn measured
   them (its own time, without waiting for a free worker); then the CPU use, lock waits in
   PostgreSQL, and what sign-in throttling recorded. Stops everything it started, whatever
   happens.

Figures are reported, not asserted: everything shares the machine's cores. The exit status is 1
when any request failed or throttling recorded anything, else 0. Logs and locust's CSV files go
to benchmarks/results/loadtest/ (git-ignored).
"""

import atexit
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.loadtest.results import (
    ACCESS_LOG_FORMAT,
    CpuSampler,
    LockSampler,
    ProcessGroup,
    format_full_load,
    format_server_times,
    format_stats,
    read_stats,
    read_timings,
    server_times,
)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESULTS = ROOT / "benchmarks" / "results" / "loadtest"
BIN = Path(sys.executable).parent
USERS = 57  # 50 readers + 5 managers + 2 people asking for PDFs (fixed_count in the locustfile)

_started: list[subprocess.Popen] = []


def _stop_all() -> None:
    """Stop every process this script started (their own process groups), newest first."""
    for process in reversed(_started):
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    for process in reversed(_started):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    _started.clear()


def _on_signal(signum, frame) -> None:
    _stop_all()
    sys.exit(128 + signum)


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    _started.append(process)
    return process


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names if the server has no such database."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")


def _wait_for(check, what: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} stopped before it was ready; see {log}.")
        if check():
            return
        time.sleep(0.5)
    sys.exit(f"{what} was not ready after {timeout:.0f} s; see {log}.")


def _http_ok(url: str) -> bool:
    try:
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database and REDIS_URL to a Redis database, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/justice_loadtest "
            "REDIS_URL=redis://127.0.0.1:6379/14"
        )
    seconds = int(os.environ.get("LOADTEST_SECONDS", "300"))
    spawn_rate = float(os.environ.get("LOADTEST_SPAWN_RATE", "1"))
    cores = os.cpu_count() or 1
    workers = int(os.environ.get("LOADTEST_GUNICORN_WORKERS", str(2 * cores + 1)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    port = _spare_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.loadtest.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(RESULTS / "media"),
        "LOADTEST_STATIC_ROOT": str(RESULTS / "static"),
        "LOADTEST_PASSWORD": secrets.token_urlsafe(18),
        "LOADTEST_PLAN": str(RESULTS / "plan.json"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "PYTHONUNBUFFERED": "1",
    }
    atexit.register(_stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    python = str(BIN / "python")
    _ensure_database(database_url)
    print("Migrating, loading reference data and collecting static files…", flush=True)
    _run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    _run([python, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    _run([python, "-m", "benchmarks.loadtest.prepare", "--out", env["LOADTEST_PLAN"]], env)

    gunicorn_log = RESULTS / "gunicorn.log"
    gunicorn = _start(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--access-logfile",
            "-",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
        ],
        env,
        gunicorn_log,
    )
    worker_log = RESULTS / "worker.log"
    worker = _start(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-l",
            "info",
            "-Q",
            "celery,documents",
            "-c",
            "1",
            "-n",
            f"loadtest-{port}@%h",
        ],
        env,
        worker_log,
    )
    host = f"http://127.0.0.1:{port}"
    _wait_for(lambda: _http_ok(f"{host}/healthz"), "gunicorn", 60, gunicorn, gunicorn_log)
    _wait_for(lambda: " ready." in worker_log.read_text(), "the worker", 90, worker, worker_log)
    print(
        f"gunicorn ({workers} workers) on {host}, one Celery worker; locust with {USERS} people "
        f"for {seconds} s after they have signed in…",
        flush=True,
    )

    database = urlsplit(database_url).path.lstrip("/")
    sampler = CpuSampler(
        [
            ProcessGroup("gunicorn (master + workers)", roots=[gunicorn.pid]),
            ProcessGroup("celery worker", roots=[worker.pid]),
            ProcessGroup(f"postgres backends ({database})", cmdline_contains=f" {database} "),
            ProcessGroup("locust (the load itself)"),
        ]
    )
    csv_prefix = RESULTS / f"locust-{stamp}"
    timings = RESULTS / f"timings-{stamp}.json"
    env["LOADTEST_TIMINGS"] = str(timings)
    # Everyone signs in while the others spawn; the full load then runs for `seconds`.
    ramp = math.ceil(USERS / spawn_rate)
    started_at = datetime.now(UTC).isoformat()
    locust = _start(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(USERS),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            f"{seconds + ramp}s",
            "--host",
            host,
            "--csv",
            str(csv_prefix),
            "--only-summary",
            "--stop-timeout",
            "5",
        ],
        env,
        RESULTS / f"locust-{stamp}.log",
    )
    sampler.groups[3].roots.append(locust.pid)
    sampler.start()
    locks = LockSampler(database_url)
    locks.start()
    locust.wait()
    sampler.stop()
    locks.stop()

    throttling = json.loads(
        subprocess.run(
            [python, "-m", "benchmarks.loadtest.prepare", "--throttling", started_at],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    _stop_all()

    rows = read_stats(Path(f"{csv_prefix}_stats.csv"))
    refused = _refusals(Path(f"{csv_prefix}_failures.csv"))
    report = "\n".join(
        [
            f"Load test: {ramp} s of signing in ({spawn_rate:g} sign-ins a second) then "
            f"{seconds} s of full load, {USERS} people (50 readers every 5 s, 5 managers every "
            f"10 s, 2 people asking for a PDF every 60 s), gunicorn {workers} sync workers, "
            "one Celery worker, PostgreSQL and Redis on loopback, production settings",
            "",
            format_stats(rows),
            "",
            format_full_load(read_timings(timings)),
            "",
            format_server_times(server_times(gunicorn_log)),
            "",
            sampler.summary(),
            "",
            locks.summary(),
            "",
            "sign-in throttling: "
            + ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in throttling.items())
            + f"; 429 or 403 responses {refused}",
        ]
    )
    print()
    print(report)
    (RESULTS / f"report-{stamp}.txt").write_text(report + "\n", encoding="utf-8")
    print(f"\nLogs and locust's CSV files: {RESULTS}")
    failures = next((r.failures for r in rows if r.name == "Aggregated"), 0)
    tripped = any(value for key, value in throttling.items() if key != "sign_ins_since_start")
    return 1 if failures or tripped or refused else 0


def _refusals(path: Path) -> int:
    """Count failures locust recorded as 429 (rate limited) or 403 (refused)."""
    import csv

    if not path.exists():
        return 0
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(
            int(row["Occurrences"])
            for row in csv.DictReader(handle)
            if any(code in row["Error"] for code in ("429", "403"))
        )


if __name__ == "__main__":
    sys.exit(main())
