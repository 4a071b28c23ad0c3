"""Memberships, assignments and organisations: rules enforced and every change audited."""

import pytest

from accounts import services
from accounts.assignments import AssignmentKind, register_assignment_kind
from accounts.models import Assignment, Membership, Organisation, Role
from accounts.selectors import user_context
from core.exceptions import ApplicationError
from core.models import AuditEvent
from tests.factories import UserFactory, organisation, person

pytestmark = pytest.mark.django_db


def test_reference_data_has_every_authority_and_the_seeded_partnerships(reference_data):
    assert Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY).count() == 32
    ayrshire = organisation("ayrshire-community-justice-partnership")
    assert sorted(ayrshire.covers.values_list("name", flat=True)) == [
        "East Ayrshire",
        "North Ayrshire",
        "South Ayrshire",
    ]
    assert Organisation.objects.filter(kind=Organisation.Kind.PARTNERSHIP).count() == 5


def test_loading_organisations_twice_creates_nothing_new(reference_data):
    before = Organisation.objects.count()
    assert services.organisations_load() == 0
    assert Organisation.objects.count() == before


def test_membership_refuses_a_role_the_organisation_kind_cannot_hold(reference_data):
    user = UserFactory()
    with pytest.raises(ApplicationError) as error:
        services.membership_create(
            user=user, organisation=organisation("west-dunbartonshire"), role=Role.INSPECTOR
        )
    assert "Inspector is not a role in local authority organisations" in error.value.message
    assert not Membership.objects.filter(user=user).exists()


def test_membership_created_and_audited(reference_data):
    admin = person(Role.ADMINISTRATOR)
    user = UserFactory()
    membership = services.membership_create(
        user=user, organisation=organisation("inverclyde"), role=Role.AUTHORITY_CONTACT, by=admin
    )
    event = AuditEvent.objects.get(action="membership_created", object_id=str(membership.pk))
    assert event.actor == admin
    assert event.new_value == {
        "user": user.email,
        "organisation": "Inverclyde",
        "role": "authority_contact",
    }


def test_duplicate_membership_is_refused(reference_data):
    user = person(Role.AUTHORITY_CONTACT, "inverclyde")
    with pytest.raises(ApplicationError, match="already holds the role"):
        services.membership_create(
            user=user, organisation=organisation("inverclyde"), role=Role.AUTHORITY_CONTACT
        )


def test_role_change_records_old_and_new_values(reference_data):
    user = person(Role.AUTHORITY_CONTACT, "inverclyde")
    membership = user.memberships.get()
    services.membership_change_role(membership=membership, role=Role.LOCAL_COORDINATOR)
    membership.refresh_from_db()
    assert membership.role == Role.LOCAL_COORDINATOR
    event = AuditEvent.objects.get(action="role_changed")
    assert (event.old_value, event.new_value) == ("authority_contact", "local_coordinator")


def test_ended_membership_no_longer_counts(reference_data):
    user = person(Role.INSPECTOR)
    assert user_context(user).is_inspectorate_staff
    services.membership_end(membership=user.memberships.get())
    user.refresh_from_db()
    assert not user_context(user).is_inspectorate_staff
    assert AuditEvent.objects.filter(action="membership_ended").count() == 1


def test_link_inspector_assignment_needs_an_inspector(reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    with pytest.raises(ApplicationError, match="need one of these roles: inspector"):
        services.assignment_create(
            user=contact, kind="link_inspector", target=organisation("inverclyde")
        )
    assert not Assignment.objects.exists()


def test_link_inspector_is_assigned_to_a_local_authority_only(reference_data):
    inspector = person(Role.INSPECTOR)
    with pytest.raises(ApplicationError, match="assigned to a local authority"):
        services.assignment_create(
            user=inspector, kind="link_inspector", target=organisation("hmics")
        )


def test_assignment_is_made_once_ended_and_audited(reference_data):
    admin = person(Role.ADMINISTRATOR)
    inspector = person(Role.INSPECTOR)
    inverclyde = organisation("inverclyde")
    assignment = services.assignment_create(
        user=inspector, kind="link_inspector", target=inverclyde, by=admin
    )
    assert user_context(inspector).is_assigned(inverclyde, "link_inspector")
    with pytest.raises(ApplicationError, match="already assigned"):
        services.assignment_create(user=inspector, kind="link_inspector", target=inverclyde)
    services.assignment_end(assignment=assignment, by=admin)
    inspector.refresh_from_db()
    assert not user_context(inspector).is_assigned(inverclyde, "link_inspector")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["assignment_created", "assignment_ended"]


def test_unknown_assignment_kind_is_refused(reference_data):
    with pytest.raises(ApplicationError, match="is not a kind of assignment"):
        services.assignment_create(
            user=person(Role.INSPECTOR), kind="astronaut", target=organisation("inverclyde")
        )


def test_registered_kind_with_its_own_check_is_enforced(reference_data):
    def only_fife(user, target):
        if target.slug != "fife":
            raise ApplicationError("Only Fife.")

    register_assignment_kind(
        AssignmentKind(
            code="test_fife_only",
            label="Fife-only reader",
            target_model="accounts.organisation",
            roles=frozenset({Role.INSPECTOR}),
            check=only_fife,
        )
    )
    inspector = person(Role.INSPECTOR)
    with pytest.raises(ApplicationError, match="Only Fife."):
        services.assignment_create(
            user=inspector, kind="test_fife_only", target=organisation("inverclyde")
        )
    services.assignment_create(user=inspector, kind="test_fife_only", target=organisation("fife"))


def test_partnership_covers_only_local_authorities(reference_data):
    partnership = organisation("shetland-community-justice-partnership")
    with pytest.raises(ApplicationError, match="only local authorities"):
        services.organisation_set_coverage(
            organisation=partnership, covers=[organisation("care-inspectorate")]
        )


def test_new_person_is_invited_by_email(reference_data, mailoutbox):
    user = services.user_create(email="New.Person@Example.org", name="New Person")
    services.user_send_invitation(user=user, base_url="https://scrutiny.example")
    assert user.email == "new.person@example.org"
    assert not user.has_usable_password()
    assert len(mailoutbox) == 1
    assert "https://scrutiny.example/accounts/password-reset/" in mailoutbox[0].body
