"""Fixtures for document tests: eager or recorded task messages, and a person to ask."""

import pytest

import tests.reports.kinds_for_tests  # noqa: F401  (registers the test-only kinds)
from accounts.models import Role
from tests.factories import person


@pytest.fixture
def eager(settings):
    """Run the render task in-process when the transaction commits (the embedded default)."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def sent(monkeypatch):
    """Record the render messages sent instead of sending them; a list of document ids."""
    ids: list[int] = []
    monkeypatch.setattr("reports.services._send", ids.append)
    return ids


@pytest.fixture
def member(framework):
    """A partnership member: signed in, may read the framework, is not inspectorate staff."""
    return person(Role.PARTNERSHIP_MEMBER)
