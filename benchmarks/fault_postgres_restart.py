"""Fault check (issue 9): PostgreSQL restarts while the site is in use; the next request succeeds.

It RESTARTS a PostgreSQL cluster, so run it by hand, never against a cluster others are using:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/justice_faultcheck PG_CLUSTER=15/main \\
        .venv/bin/python -m benchmarks.fault_postgres_restart

PG_CLUSTER is `<version>/<name>` as `pg_lsclusters` shows it (default: the only version in
/etc/postgresql, cluster `main`); it must be the cluster DATABASE_URL points at. The script:

1. migrates the database and makes a throwaway person (no role, so no second factor);
2. starts gunicorn (one sync worker, CONN_MAX_AGE=600) against DATABASE_URL;
3. signs in through the real sign-in page and loads the home page twice, so the worker holds a
   persistent database connection;
4. restarts the cluster (`pg_ctlcluster --skip-systemctl-redirect <version> <name> restart`,
   which ends every client connection) and waits for `pg_isready`;
5. makes the next request with the same session and prints its status and time.

It passes when that request answers 200 with the person still signed in (CONN_HEALTH_CHECKS
notices the dead connection and opens a new one; without it the request would fail). Exit
status 0 on pass, 1 on fail. The throwaway person is deactivated and their sessions deleted at
the end (the audit log keeps their sign-in, as it must). DJANGO_SETTINGS_MODULE (default
config.settings.local) is used by the script and gunicorn alike.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.local"


def _cluster() -> tuple[str, str]:
    value = os.environ.get("PG_CLUSTER", "")
    if value:
        version, _, name = value.partition("/")
        return version, name or "main"
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    if len(versions) != 1:
        sys.exit(f"Set PG_CLUSTER=<version>/<name>: found versions {versions}")
    return versions[0], "main"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def _wait_for_postgres(host: str, port: str, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        ready = subprocess.run(  # noqa: S603
            ["pg_isready", "-q", "-h", host, "-p", port],  # noqa: S607
            check=False,
        )
        if ready.returncode == 0:
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not come back")


def _timed_get(session, url: str):
    started = time.perf_counter()
    response = session.get(url, allow_redirects=False, timeout=30)
    return response, (time.perf_counter() - started) * 1000


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to use (postgres://…).")
    version, name = _cluster()
    db = urlsplit(database_url)
    host, port = db.hostname or "127.0.0.1", str(db.port or 5432)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from accounts.models import User

    call_command("migrate", verbosity=0)
    email = f"fault-check-{secrets.token_hex(4)}@example.invalid"
    password = secrets.token_urlsafe(16)
    user = User.objects.create_user(email=email, password=password, name="Fault check")
    connection.close()

    web_port = _free_port()
    base = f"http://127.0.0.1:{web_port}"
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"fault-postgres-gunicorn-{web_port}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "DEBUG": "false",
        "CONN_MAX_AGE": "600",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{web_port}", "--workers", "1", "--timeout", "60",
    ]  # fmt: skip
    passed = False
    with log_path.open("wb") as log:
        gunicorn = subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_port(web_port, gunicorn)
        browser = requests.Session()
        sign_in = base + reverse("accounts:sign_in")
        browser.get(sign_in, timeout=30)
        response = browser.post(
            sign_in,
            data={
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
            },
            headers={"Referer": sign_in},
            allow_redirects=False,
            timeout=30,
        )
        print(f"sign in: {response.status_code} -> {response.headers.get('Location', '')}")
        for attempt in (1, 2):
            response, ms = _timed_get(browser, base + "/")
            print(f"before restart, request {attempt}: {response.status_code} in {ms:.0f} ms")
        if response.status_code != 200:
            raise RuntimeError("the home page did not load before the restart")

        print(f"restarting PostgreSQL cluster {version}/{name}…")
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],  # noqa: S607
            check=True,
        )
        waited = _wait_for_postgres(host, port)
        print(f"restarted in {time.monotonic() - started:.1f} s (pg_isready after {waited:.1f} s)")

        response, ms = _timed_get(browser, base + "/")
        print(f"first request after restart: {response.status_code} in {ms:.0f} ms")
        first_ok = response.status_code == 200
        response, ms = _timed_get(browser, base + "/")
        print(f"second request after restart: {response.status_code} in {ms:.0f} ms")
        passed = first_ok and response.status_code == 200
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        connection.close()  # the script's own connection died with the restart
        from django.contrib.sessions.models import Session

        User.objects.filter(pk=user.pk).update(is_active=False)
        for session in Session.objects.all().iterator():
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
                session.delete()
    if not passed:
        print(log_path.read_text(errors="replace")[-4000:])
    print("PASS" if passed else "FAIL", f"(gunicorn log: {log_path})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
