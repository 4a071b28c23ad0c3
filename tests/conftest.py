"""Test-suite set-up shared by every app.

- Reference data (the QI framework and the organisations) is product data, loaded by the same
  services as production: once per session, and again by the `framework`/`organisations`
  fixtures after a transactional test has flushed the database.
- Tests that need PostgreSQL, a real Celery worker or Chromium are marked; where their service is
  missing they are skipped with the reason. With STRICT_SKIPS=1 (CI) a skip is a failure.
"""

import os
import shutil

import pytest
from django.conf import settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
STRICT_SKIPS = os.environ.get("STRICT_SKIPS", "") not in {"", "0", "false"}

pytest_plugins = ["tests.e2e.fixtures", "tests.worker"]


def _skip_reasons() -> dict[str, str | None]:
    is_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    has_redis = bool(settings.REDIS_URL)
    has_chromium = os.path.exists(CHROMIUM) or bool(shutil.which("chromium"))
    return {
        "postgres": None
        if is_postgres
        else "needs PostgreSQL: set DATABASE_URL=postgres://… (CI always does)",
        "worker": None
        if is_postgres and has_redis
        else "needs a real Celery worker: set DATABASE_URL (PostgreSQL) and REDIS_URL",
        "browser": (
            None
            if is_postgres and has_chromium
            else "needs Chromium (apt-get install chromium) and PostgreSQL (DATABASE_URL)"
        ),
    }


def pytest_collection_modifyitems(config, items):
    reasons = _skip_reasons()
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped in strict mode (STRICT_SKIPS=1): {reason}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _load_reference_data()


def _load_reference_data():
    from accounts.services import organisations_load
    from core.calendar import public_holidays_load
    from qi_framework.instruments import instruments_load_all
    from qi_framework.services import framework_load
    from reports.statistics import quantifier_bands_load

    organisations_load()
    framework_load()
    public_holidays_load()
    instruments_load_all()
    quantifier_bands_load()


@pytest.fixture
def reference_data(db):
    """The QI framework, organisations, public holidays and instruments (reloaded if a
    transactional test flushed them)."""
    _load_reference_data()


@pytest.fixture
def framework(reference_data):
    from qi_framework.selectors import framework_current

    return framework_current()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores files in its own folder, so nothing leaks between tests."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
