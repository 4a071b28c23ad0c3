"""The feedback questionnaire after the letter: a single-use link emailed to the partnership,
opened without an account, sent again with the old link cancelled, audited without the token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditEvent
from partnerships import services
from partnerships.models import FeedbackRequest, Representative
from qi_framework.models import Response, ResponseLink
from tests.factories import login
from tests.partnerships.conftest import make_setup, to_feedback

pytestmark = pytest.mark.django_db

ANSWERS = {
    "scrutiny_kind": "svse",
    "respondent_role": "partnership_member",
    "organisation_rating": "5",
    "coordination_rating": "6",
    "team_rating": "5",
    "staff_support_rating": "6",
    "professional_discussion_rating": "4",
    "engagement_rating": "5",
}
URL = re.compile(r"https?://\S+/r/([A-Za-z0-9_-]+)/")


def _publish(setup, capture, chair_email="morag.chair@nhs.example"):
    Representative.objects.filter(partner=setup.partner).update(email=chair_email)
    exercise = to_feedback(setup)
    with capture(execute=True):
        services.letter_publish(exercise=exercise, by=setup.inspector)
    setup.exercise.refresh_from_db()
    return setup.exercise


def _token(message) -> str:
    return URL.search(message.body).group(1)


def _post(client, token, page):
    form_token = re.search(rb'name="form_token" value="([^"]+)"', page.content).group(1).decode()
    data = {f"q_{code}": value for code, value in ANSWERS.items()}
    return client.post(f"/r/{token}/", data | {"form_token": form_token})


def test_not_published_is_refused_with_a_message(ayrshire):
    with pytest.raises(ApplicationError) as error:
        services.feedback_request_send(exercise=ayrshire.exercise, by=ayrshire.inspector)
    assert error.value.message == services.FEEDBACK_NOT_PUBLISHED
    assert not FeedbackRequest.objects.exists() and not ResponseLink.objects.exists()


def test_publishing_emails_a_working_single_use_link(
    ayrshire, sent, mailoutbox, django_capture_on_commit_callbacks
):
    exercise = _publish(ayrshire, django_capture_on_commit_callbacks)
    feedback = [m for m in mailoutbox if m.subject.startswith("Feedback on your self-evaluation")]
    assert sorted(m.to[0] for m in feedback) == sorted(
        [ayrshire.member.email, "morag.chair@nhs.example"]
    )
    assert all(len(m.to) == 1 for m in feedback), "one message each: addresses are not shared"
    body = feedback[0].body
    assert "works once" in body and "do not need an account" in body and "expires on" in body
    request = FeedbackRequest.objects.get(exercise=exercise)
    assert request.recipients == 2 and request.sent_by == ayrshire.inspector
    token = _token(feedback[0])
    assert _token(feedback[1]) == token
    assert request.link.subject == exercise

    anonymous = Client()
    page = anonymous.get(f"/r/{token}/")
    assert page.status_code == 200
    assert exercise.partnership.name.encode() in page.content
    assert b'name="q_organisation_rating"' in page.content
    answered = _post(anonymous, token, page)
    assert answered.status_code == 302 and answered["Location"] == "/r/thanks/"
    assert Response.objects.filter(link=request.link).count() == 1
    request.link.refresh_from_db()
    assert request.link.used_at is not None
    again = anonymous.get(f"/r/{token}/")
    assert again.status_code == 410
    replay = _post(anonymous, token, page)
    assert replay.status_code == 410
    assert Response.objects.count() == 1

    # The inspector sees that it was used; the member sees that it was sent.
    client = Client()
    login(client, ayrshire.inspector)
    content = client.get(exercise.get_absolute_url()).content.decode()
    assert "Feedback questionnaire" in content and "the partnership has answered" in content
    assert "Send the feedback questionnaire again" in content
    login(client, ayrshire.member)
    content = client.get(exercise.get_absolute_url()).content.decode()
    assert "We have emailed you a link to our feedback questionnaire" in content
    assert "Send the feedback questionnaire again" not in content


def test_sending_again_cancels_the_unused_link(
    client, ayrshire, sent, mailoutbox, django_capture_on_commit_callbacks
):
    exercise = _publish(ayrshire, django_capture_on_commit_callbacks)
    old = _token(mailoutbox[-1])
    mailoutbox.clear()
    login(client, ayrshire.inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partnerships:feedback_send", args=[exercise.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "no longer works" in page
    assert "The previous link stops working if it has not been used" in page
    new = _token(mailoutbox[0])
    assert new != old
    assert Client().get(f"/r/{old}/").status_code == 404
    assert Client().get(f"/r/{new}/").status_code == 200
    first, second = FeedbackRequest.objects.order_by("sent_at", "id")
    assert first.link.revoked_at is not None and second.link.revoked_at is None


def test_members_cannot_send_it(client, ayrshire, sent, django_capture_on_commit_callbacks):
    exercise = _publish(ayrshire, django_capture_on_commit_callbacks)
    login(client, ayrshire.member)
    response = client.post(reverse("partnerships:feedback_send", args=[exercise.pk]))
    assert response.status_code == 403
    assert FeedbackRequest.objects.count() == 1


def test_a_member_of_another_partnership_gets_nothing(
    client, framework, ayrshire, sent, mailoutbox, django_capture_on_commit_callbacks
):
    clacks = make_setup(framework, "clackmannanshire-community-justice-partnership")
    exercise = _publish(clacks, django_capture_on_commit_callbacks)
    addresses = {address for message in mailoutbox for address in message.to}
    assert clacks.member.email in addresses
    assert ayrshire.member.email not in addresses
    login(client, ayrshire.member)
    assert client.get(exercise.get_absolute_url()).status_code == 404
    sent_url = reverse("partnerships:feedback_send", args=[exercise.pk])
    assert client.post(sent_url).status_code == 404
    assert FeedbackRequest.objects.filter(exercise=exercise).count() == 1


def test_the_audit_entry_has_no_token(
    ayrshire, sent, mailoutbox, django_capture_on_commit_callbacks
):
    exercise = _publish(ayrshire, django_capture_on_commit_callbacks)
    token = _token(mailoutbox[-1])
    event = AuditEvent.objects.get(action="feedback_request_sent")
    assert event.object_id == str(exercise.pk)
    assert event.new_value["recipients"] == 2
    for entry in AuditEvent.objects.all():
        assert token not in str(entry.new_value) + str(entry.old_value) + entry.detail


def test_a_correction_does_not_send_it_again(
    ayrshire, sent, mailoutbox, django_capture_on_commit_callbacks
):
    exercise = _publish(ayrshire, django_capture_on_commit_callbacks)
    services.letter_reopen(exercise=exercise, reason="Typo", by=ayrshire.inspector)
    services.letter_publish(exercise=exercise, by=ayrshire.inspector, reason="Typo corrected")
    assert FeedbackRequest.objects.count() == 1


def test_publication_goes_ahead_when_there_is_no_one_to_send_to(framework, sent):
    from accounts.models import Membership

    setup = make_setup(framework, "shetland-community-justice-partnership")
    exercise = to_feedback(setup)
    Membership.objects.filter(organisation=exercise.partnership).update(is_active=False)
    publication = services.letter_publish(exercise=exercise, by=setup.inspector)
    assert publication.version == 1
    assert not FeedbackRequest.objects.exists() and not ResponseLink.objects.exists()
    with pytest.raises(ApplicationError) as error:
        services.feedback_request_send(exercise=exercise, by=setup.inspector)
    assert error.value.message == services.FEEDBACK_NO_RECIPIENTS


def test_the_demo_records_the_sending_once_and_emails_no_token(
    settings, reference_data, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    settings.DEBUG = True
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("load_demo", quiet_logins=True)
    sendings = FeedbackRequest.objects.select_related("exercise__partnership")
    assert sorted(s.exercise.partnership.slug for s in sendings) == [
        "clackmannanshire-community-justice-partnership",
        "north-lanarkshire-community-justice-partnership",
    ]
    assert all(s.link.used_at is None and s.link.revoked_at is None for s in sendings)
    assert not any("/r/" in message.body for message in mailoutbox)
