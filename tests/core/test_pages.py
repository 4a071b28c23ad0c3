"""Error pages, headers and the home page."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import login, person

pytestmark = pytest.mark.django_db


def test_styled_404_page(client, reference_data):
    login(client, person(Role.INSPECTOR))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "govuk-frontend.min.css" in response.content.decode()


def test_styled_403_page(client, reference_data):
    login(client, person(Role.PARTNERSHIP_MEMBER))
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.content.decode()


def test_styled_500_page(client, reference_data, settings):
    from django.test import RequestFactory

    from core.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_security_headers_on_pages(client, reference_data):
    response = client.get(reverse("accounts:sign_in"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_every_inline_script_carries_the_nonce(client, reference_data):
    import re

    response = client.get(reverse("accounts:sign_in"))
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        assert f'nonce="{nonce}"' in attributes or "src=" in attributes
    assert not re.search(r"\son[a-z]+=", html), "inline event handler found"


def test_home_shows_roles_and_assignments(client, reference_data):
    inspector = person(Role.INSPECTOR, name="Iona Test")
    login(client, inspector)
    html = client.get(reverse("core:home")).content.decode()
    assert "Inspector, " in html
    assert "Care Inspectorate" in html
    assert "Iona Test" in html


def test_health_check_needs_no_sign_in(client, db):
    response = client.get(reverse("core:health"))
    assert response.status_code == 200


def test_background_request_from_anonymous_session_gets_401(client, reference_data):
    response = client.get(reverse("core:home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
