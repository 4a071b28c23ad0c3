"""Document pages: asking for a document, its state, downloading it, trying again."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from core.models import AuditEvent
from reports.models import Document
from reports.services import document_render, document_request
from tests.factories import login, person

pytestmark = pytest.mark.django_db


def _request_url(framework, kind="framework_booklet"):
    return reverse("reports:document_request", args=[kind, framework.pk])


def _ready(framework, kind="test_small") -> Document:
    document = document_request(kind=kind, subject=framework, by=None)
    return document_render(document_id=document.pk)


def test_the_framework_page_offers_the_booklet(client, framework, member):
    login(client, member)
    response = client.get(reverse("qi_framework:framework_detail"))
    assert _request_url(framework) in response.content.decode()
    assert "Download the framework as a PDF booklet" in response.content.decode()


def test_asking_for_the_booklet_shows_its_real_state(
    client, framework, member, eager, django_capture_on_commit_callbacks
):
    login(client, member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_request_url(framework))

    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:document_detail", args=[document.pk])
    page = client.get(response["Location"]).content.decode()
    # The embedded default rendered it in-process when the request committed.
    assert document.state == Document.State.READY
    assert 'data-state="ready"' in page
    assert reverse("reports:document_download", args=[document.pk]) in page
    assert "hx-get" not in page  # nothing left to wait for


def test_a_queued_document_page_polls_its_state_and_says_so(client, framework, member, sent):
    login(client, member)
    client.post(_request_url(framework))
    document = Document.objects.get()

    page = client.get(reverse("reports:document_detail", args=[document.pk])).content.decode()

    assert 'data-state="queued"' in page
    assert "Queued" in page
    status_url = reverse("reports:document_status", args=[document.pk])
    assert f'hx-get="{status_url}?shown=queued"' in page
    assert 'hx-trigger="every 2s"' in page
    assert 'aria-live="polite"' in page
    assert "vendor/htmx/htmx.min.js" in page
    assert re.search(r"\s(on[a-z]+|hx-on[:\w-]*)=", page) is None  # no inline handlers (CSP)


def test_the_state_poll_says_nothing_until_the_state_changes(client, framework, member, sent):
    login(client, member)
    client.post(_request_url(framework, kind="test_small"))
    document = Document.objects.get()
    url = reverse("reports:document_status", args=[document.pk])

    unchanged = client.get(url, {"shown": "queued"}, HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204

    document_render(document_id=document.pk)
    changed = client.get(url, {"shown": "queued"}, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    html = changed.content.decode()
    assert 'data-state="ready"' in html
    assert "hx-get" not in html  # polling stops


def test_a_failed_document_shows_its_reason_and_can_be_retried(
    client, framework, member, sent, django_capture_on_commit_callbacks
):
    document = document_request(kind="test_broken", subject=framework, by=member)
    document_render(document_id=document.pk)
    document.refresh_from_db()
    login(client, member)

    page = client.get(reverse("reports:document_detail", args=[document.pk])).content.decode()
    assert "Failed" in page
    assert document.failure_reason in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:document_retry", args=[document.pk]))

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.state == Document.State.QUEUED
    assert sent == [document.pk]


def test_download_is_an_attachment_and_is_logged(client, framework, member):
    document = _ready(framework)
    login(client, member)

    response = client.get(reverse("reports:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        'filename="quality-indicator-framework-cj-2016-version-1.pdf"'
        in (response["Content-Disposition"])
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="document_downloaded")
    assert event.actor == member
    assert event.object_id == str(document.pk)


def test_a_document_not_ready_cannot_be_downloaded(client, framework, member, sent):
    document = document_request(kind="test_small", subject=framework, by=member)
    login(client, member)
    response = client.get(reverse("reports:document_download", args=[document.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document_downloaded").exists()


def test_signed_out_people_are_sent_to_sign_in(client, framework):
    document = _ready(framework)
    for url in [
        reverse("reports:document_detail", args=[document.pk]),
        reverse("reports:document_download", args=[document.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/sign-in/" in response["Location"]


def test_only_people_the_kind_allows_may_ask_for_see_or_download_it(client, framework, member):
    document = _ready(framework, kind="test_restricted")
    login(client, member)

    assert client.post(_request_url(framework, kind="test_restricted")).status_code == 403
    for name in ["document_detail", "document_status", "document_download"]:
        assert client.get(reverse(f"reports:{name}", args=[document.pk])).status_code == 403
    assert client.post(reverse("reports:document_retry", args=[document.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="document_downloaded").exists()

    administrator = person(Role.ADMINISTRATOR)
    login(client, administrator)
    response = client.get(reverse("reports:document_download", args=[document.pk]))
    assert response.status_code == 200


def test_unknown_kinds_and_subjects_are_not_found(client, framework, member):
    login(client, member)
    assert client.post(_request_url(framework, kind="no_such_kind")).status_code == 404
    missing = reverse("reports:document_request", args=["framework_booklet", 999_999])
    assert client.post(missing).status_code == 404
    assert client.get(_request_url(framework)).status_code == 405


def test_administrators_see_documents_in_the_admin_read_only(client, framework):
    document = _ready(framework)
    login(client, person(Role.ADMINISTRATOR))

    response = client.get(reverse("admin:reports_document_changelist"))

    assert response.status_code == 200
    assert document.title in response.content.decode()
    assert client.get(reverse("admin:reports_document_add")).status_code == 403
