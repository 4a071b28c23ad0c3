"""The audit log: append-only, and written for every event that exists so far."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts import services
from accounts.models import Organisation, Role
from core.models import AppendOnlyError, AuditEvent
from core.services import audit_record
from tests.factories import PASSWORD, client_sign_in, enrol_totp, login, person, totp_code

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")


@pytest.fixture
def event(db):
    return audit_record(action="test_event", actor_label="someone@example.org", new={"a": 1})


# --- Nothing in the application can change or delete an entry -----------------------------------


def test_an_entry_cannot_be_saved_again(event):
    event.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_an_entry_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_entries_cannot_be_changed_or_deleted_in_bulk(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["detail"])
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_the_audit_log_is_not_in_the_admin():
    assert AuditEvent not in admin.site._registry


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET detail = 'rewritten' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_updates_and_deletes(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


# --- Sign-in events -----------------------------------------------------------------------------


def test_sign_in_and_sign_out_are_recorded(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    client.post(SIGN_IN, {"username": contact.email, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("accounts:sign_out"), REMOTE_ADDR="10.1.2.4")
    signed_in = AuditEvent.objects.get(action="signed_in")
    assert signed_in.actor == contact and signed_in.ip_address == "10.1.2.3"
    signed_out = AuditEvent.objects.get(action="signed_out")
    assert signed_out.actor == contact and signed_out.ip_address == "10.1.2.4"


def test_failed_sign_in_records_the_typed_email_and_never_the_password(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    secret_attempt = "my-Secret-guess-42"
    client.post(SIGN_IN, {"username": contact.email, "password": secret_attempt})
    client.post(SIGN_IN, {"username": "nobody@example.org", "password": secret_attempt})
    failures = AuditEvent.objects.filter(action="sign_in_failed").order_by("id")
    assert [e.actor_label for e in failures] == [contact.email, "nobody@example.org"]
    assert all(e.actor is None for e in failures)
    for entry in AuditEvent.objects.values():
        assert secret_attempt not in str(entry)


def test_lock_out_is_recorded(client, reference_data, settings):
    contact = person(Role.AUTHORITY_CONTACT)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(SIGN_IN, {"username": contact.email, "password": "wrong"})
    assert AuditEvent.objects.filter(
        action="sign_in_locked_out", actor_label=contact.email
    ).exists()


def test_two_factor_events_are_recorded(client, reference_data, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    client.post(SIGN_IN, {"username": inspector.email, "password": PASSWORD})
    wrong = f"{(int(totp_code(inspector)) + 1) % 1_000_000:06d}"
    client.post(reverse("accounts:two_factor_verify"), {"code": wrong})
    client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(inspector)})
    actions = list(
        AuditEvent.objects.filter(actor=inspector).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["signed_in", "two_factor_failed", "two_factor_verified"]


def test_password_change_is_recorded(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    client_sign_in(client, contact)
    new = "another-long-passphrase-2026"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    event = AuditEvent.objects.get(action="password_changed")
    assert event.actor == contact
    assert new not in str(AuditEvent.objects.values_list())


# --- Refusals, and changes of role, membership and assignment -----------------------------------


def test_permission_refusal_is_recorded(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    login(client, contact)
    url = reverse("core:audit_list")
    assert client.get(url).status_code == 403
    event = AuditEvent.objects.get(action="permission_denied")
    assert event.actor == contact and event.detail == f"GET {url}"


def test_membership_role_and_assignment_changes_are_recorded(reference_data):
    admin = person(Role.ADMINISTRATOR)
    inspector = person(Role.INSPECTOR)
    authority = Organisation.objects.get(slug="west-dunbartonshire")
    contact = services.user_create(email="new.contact@example.org", name="New Contact", by=admin)
    membership = services.membership_create(
        user=contact, organisation=authority, role=Role.AUTHORITY_CONTACT, by=admin
    )
    services.membership_change_role(membership=membership, role=Role.LOCAL_COORDINATOR, by=admin)
    services.membership_end(membership=membership, by=admin)
    assignment = services.assignment_create(
        user=inspector, kind="link_inspector", target=authority, by=admin
    )
    services.assignment_end(assignment=assignment, by=admin)

    entries = {e.action: e for e in AuditEvent.objects.filter(actor=admin)}
    assert {
        "user_created",
        "membership_created",
        "role_changed",
        "membership_ended",
        "assignment_created",
        "assignment_ended",
    } <= set(entries)
    role_changed = entries["role_changed"]
    assert (role_changed.old_value, role_changed.new_value) == (
        Role.AUTHORITY_CONTACT,
        Role.LOCAL_COORDINATOR,
    )
    assert role_changed.object_type == "accounts.membership"
    assert role_changed.object_id == str(membership.pk)
    assert entries["assignment_created"].object_id == str(assignment.pk)


def test_administrators_can_filter_the_audit_log(client, reference_data):
    admin = person(Role.ADMINISTRATOR)
    audit_record(action="signed_in", actor_label="first@example.org")
    audit_record(action="sign_in_failed", actor_label="second@example.org")
    login(client, admin)
    page = client.get(reverse("core:audit_list"), {"action": "sign_in_failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "second@example.org" in html and "first@example.org" not in html
