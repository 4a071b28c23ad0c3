"""Overdue reminders: the owner and the authority's contacts are emailed, once a week at most."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from improvement import services, tasks
from improvement.models import ImprovementAction
from tests.factories import person
from tests.improvement.factories import add_action

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _send(now=None) -> int:
    return services.overdue_reminders_send(now=now)


def test_an_overdue_action_emails_its_owner_and_the_authority_contacts(
    setup, django_capture_on_commit_callbacks
):
    other_authority = person(Role.AUTHORITY_CONTACT, "inverclyde")
    action = add_action(setup, setup.elements()[0], due=TODAY - dt.timedelta(days=3))
    add_action(setup, setup.elements()[1], due=TODAY + dt.timedelta(days=3))  # not yet due
    with django_capture_on_commit_callbacks(execute=True):
        assert _send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {"morag.manager@council.example", setup.contact.email}
    assert other_authority.email not in message.to
    assert setup.coordinator.email not in message.to  # contacts, not co-ordinators
    authority = setup.plan.inspection.activity.authority.name
    assert message.subject == f"Overdue improvement action: {authority}"
    assert "is overdue" in message.body
    assert action.description in message.body
    assert "(3 days ago)" in message.body
    assert f"/improvement/{setup.plan.pk}/elements/{action.element_id}/" in message.body
    action.refresh_from_db()
    assert action.last_reminded_at is not None


def test_a_reminder_is_sent_at_most_once_a_week(setup, django_capture_on_commit_callbacks):
    add_action(setup, setup.elements()[0], due=TODAY - dt.timedelta(days=1))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(now) == 1
        assert _send(now + dt.timedelta(days=6, hours=23)) == 0
        assert _send(now + dt.timedelta(days=7)) == 1
    assert len(mail.outbox) == 2


def test_complete_actions_and_addressed_elements_are_not_reminded(setup):
    element = setup.elements()[0]
    action = add_action(setup, element, due=TODAY - dt.timedelta(days=10))
    services.action_update(
        action=action, description=action.description, owner_name=action.owner_name,
        owner_email=action.owner_email, due_date=action.due_date, status="complete",
        by=setup.contact,
    )  # fmt: skip
    other = add_action(setup, setup.elements()[1], due=TODAY - dt.timedelta(days=10))
    services.element_mark_addressed(element=setup.elements()[1], by=setup.link)
    assert _send() == 0
    assert ImprovementAction.objects.get(pk=other.pk).last_reminded_at is None


def test_a_new_due_date_allows_a_new_reminder(setup, django_capture_on_commit_callbacks):
    action = add_action(setup, setup.elements()[0], due=TODAY - dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert _send() == 1
    services.action_update(
        action=action, description=action.description, owner_name=action.owner_name,
        owner_email=action.owner_email, due_date=TODAY - dt.timedelta(days=1),
        status="in_progress", by=setup.contact,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert _send() == 1
    assert len(mail.outbox) == 2


def test_the_task_calls_the_service_and_the_schedule_names_it(
    setup, django_capture_on_commit_callbacks
):
    add_action(setup, setup.elements()[0], due=TODAY - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.overdue_reminders_send() == 1
    assert len(mail.outbox) == 1
    entry = settings.CELERY_BEAT_SCHEDULE["improvement-overdue-reminders"]
    assert entry["task"] == tasks.overdue_reminders_send.name
