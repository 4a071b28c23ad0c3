"""Sign-in pages and people management by administrators."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role, User
from core.models import AuditEvent
from tests.factories import PASSWORD, login, organisation, person

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_and_password(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    response = client.post(
        reverse("accounts:sign_in"), {"username": contact.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_wrong_password_and_unknown_account_get_the_same_message(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    wrong = client.post(
        reverse("accounts:sign_in"), {"username": contact.email, "password": "nope"}
    )
    unknown = client.post(
        reverse("accounts:sign_in"), {"username": "nobody@example.org", "password": "nope"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Enter a correct email address and password." in response.content.decode()


def test_password_reset_does_not_reveal_whether_an_account_exists(
    client, reference_data, mailoutbox
):
    contact = person(Role.AUTHORITY_CONTACT)
    known = client.post(reverse("accounts:password_reset"), {"email": contact.email})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [contact.email]


def test_sign_in_is_throttled_per_account_and_address(client, reference_data, settings):
    contact = person(Role.AUTHORITY_CONTACT)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:sign_in"),
            {"username": contact.email, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )
    locked = client.post(
        reverse("accounts:sign_in"),
        {"username": contact.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    # The same person from another address is not locked out by someone else's attempts.
    elsewhere = client.post(
        reverse("accounts:sign_in"),
        {"username": contact.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert elsewhere.status_code == 302


def test_administrator_adds_a_new_person_who_is_invited(client, reference_data, mailoutbox):
    admin = person(Role.ADMINISTRATOR)
    login(client, admin)
    response = client.post(
        reverse("accounts:membership_add", kwargs={"slug": "inverclyde"}),
        {"email": "jo.bloggs@inverclyde.example", "name": "Jo Bloggs", "role": "authority_contact"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="jo.bloggs@inverclyde.example")
    assert Membership.objects.filter(
        user=user, organisation=organisation("inverclyde"), role=Role.AUTHORITY_CONTACT
    ).exists()
    assert len(mailoutbox) == 1
    assert AuditEvent.objects.filter(action="membership_created", actor=admin).exists()


def test_adding_a_new_person_without_a_name_explains_what_to_do(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    response = client.post(
        reverse("accounts:membership_add", kwargs={"slug": "inverclyde"}),
        {"email": "someone@example.org", "role": "authority_contact"},
    )
    assert response.status_code == 200
    assert "Enter the person’s full name" in response.content.decode()
    assert not User.objects.filter(email="someone@example.org").exists()


def test_role_options_match_the_organisation(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    page = client.get(reverse("accounts:membership_add", kwargs={"slug": "inverclyde"}))
    html = page.content.decode()
    assert "Local authority contact" in html
    assert 'value="inspector"' not in html


def test_administrator_changes_a_role_and_removes_a_person(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    contact = person(Role.AUTHORITY_CONTACT, "inverclyde")
    membership = contact.memberships.get()
    client.post(
        reverse("accounts:membership_role", kwargs={"slug": "inverclyde", "pk": membership.pk}),
        {"role": "local_coordinator"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.LOCAL_COORDINATOR
    client.post(
        reverse("accounts:membership_end", kwargs={"slug": "inverclyde", "pk": membership.pk})
    )
    membership.refresh_from_db()
    assert not membership.is_active


def test_membership_of_another_organisation_cannot_be_reached_through_this_one(
    client, reference_data
):
    login(client, person(Role.ADMINISTRATOR))
    contact = person(Role.AUTHORITY_CONTACT, "inverclyde")
    url = reverse(
        "accounts:membership_role",
        kwargs={"slug": "fife", "pk": contact.memberships.get().pk},
    )
    assert client.get(url).status_code == 404


def test_administrator_assigns_a_link_inspector(client, reference_data):
    login(client, person(Role.ADMINISTRATOR))
    inspector = person(Role.INSPECTOR)
    response = client.post(
        reverse("accounts:assignment_add", kwargs={"slug": "inverclyde", "kind": "link_inspector"}),
        {"user": inspector.pk},
    )
    assert response.status_code == 302
    page = client.get(reverse("accounts:organisation_detail", kwargs={"slug": "inverclyde"}))
    assert f"{inspector.name} — Link inspector" in page.content.decode()


def test_sign_out_needs_a_post(client, reference_data):
    login(client, person(Role.AUTHORITY_CONTACT))
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    assert client.post(reverse("accounts:sign_out")).status_code == 302
    assert client.get(reverse("core:home")).status_code == 302
