"""Sessions live in the database, end after a period of inactivity and when the password changes;
a background request from an ended session gets a 401 with a reason instead of a redirect."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.middleware import SESSION_EXPIRED_MESSAGE
from tests.factories import PASSWORD, client_sign_in, login, person

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
SIGN_IN = reverse("accounts:sign_in")
NEW_PASSWORD = "a-brand-new-passphrase-2026"


def session_row(client) -> Session:
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return Session.objects.get(session_key=key)


def test_sessions_are_stored_in_the_database_and_end_after_30_idle_minutes():
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert django_settings.SESSION_IDLE_MINUTES == 30
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST  # each request restarts the idle clock


def test_idle_limit_is_configurable_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_COOKIE_AGE)"
    )
    env = {
        **os.environ,
        "SESSION_IDLE_MINUTES": "5",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.stdout.strip() == "300"


def test_each_request_pushes_the_end_of_the_session_back(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    client_sign_in(client, contact)
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1)
    )
    assert client.get(HOME).status_code == 200
    remaining = session_row(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)


@pytest.fixture
def idle_client(client, reference_data):
    """A client whose session has been idle past the limit (expiry moved into the past)."""
    inspector = person(Role.INSPECTOR)
    client_sign_in(client, inspector)
    assert client.get(HOME).status_code == 200
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    return client


def test_an_idle_session_is_no_longer_signed_in(idle_client):
    response = idle_client.get(HOME)
    assert response.status_code == 302
    assert response.url == f"{SIGN_IN}?next={HOME}"


def test_an_idle_sessions_background_request_gets_401_with_a_reason(idle_client):
    response = idle_client.post(reverse("accounts:account"), headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.json() == {"error": "session_expired", "message": SESSION_EXPIRED_MESSAGE}
    assert response["HX-Reswap"] == "none"  # htmx leaves the page (and unsaved work) alone
    fetch = idle_client.get(HOME, headers={"Accept": "application/json"})
    assert fetch.status_code == 401 and fetch.json()["error"] == "session_expired"


@pytest.mark.parametrize("role", [Role.AUTHORITY_CONTACT, Role.INSPECTOR])
def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client, django_client_factory, reference_data, role
):
    """The current session stays signed in (and, for staff, verified); every other ends."""
    user = person(role)
    elsewhere = django_client_factory()
    login(elsewhere, user)
    client_sign_in(client, user)
    assert elsewhere.get(HOME).status_code == client.get(HOME).status_code == 200

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    ended = elsewhere.get(HOME)
    assert ended.status_code == 302 and ended.url.startswith(SIGN_IN)


def test_signing_out_deletes_the_session(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    client_sign_in(client, contact)
    key = session_row(client).pk
    client.post(reverse("accounts:sign_out"))
    assert not Session.objects.filter(pk=key).exists()


@pytest.fixture
def django_client_factory():
    from django.test import Client

    return Client
