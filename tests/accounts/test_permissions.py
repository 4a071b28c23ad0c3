"""The permission layer: membership and assignment rules, scoped lists, refusals."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.selectors import organisation_list_visible_to
from accounts.services import assignment_create
from core.models import AuditEvent
from tests.factories import UserFactory, login, organisation, person

pytestmark = pytest.mark.django_db


def test_membership_rules(reference_data):
    admin = person(Role.ADMINISTRATOR)
    inspector = person(Role.INSPECTOR)
    member = person(Role.PARTNERSHIP_MEMBER)
    own = organisation("ayrshire-community-justice-partnership")
    other = organisation("shetland-community-justice-partnership")

    assert admin.has_perm("accounts.administer")
    assert not inspector.has_perm("accounts.administer")
    assert not member.has_perm("accounts.administer")

    assert member.has_perm("accounts.view_organisation", own)
    assert not member.has_perm("accounts.view_organisation", other)
    assert inspector.has_perm("accounts.view_organisation", other)

    assert admin.has_perm("qi_framework.change_framework")
    assert not inspector.has_perm("qi_framework.change_framework")
    assert member.has_perm("qi_framework.view_framework")


def test_ended_or_inactive_people_hold_no_permissions(reference_data):
    admin = person(Role.ADMINISTRATOR)
    admin.is_active = False
    admin.save()
    assert not admin.has_perm("accounts.administer")


def test_assignment_rule_reads_the_assignment_on_that_object_only(reference_data):
    from accounts.rules import is_assigned

    inspector = person(Role.INSPECTOR)
    inverclyde, fife = organisation("inverclyde"), organisation("fife")
    assignment_create(user=inspector, kind="link_inspector", target=inverclyde)
    inspector.refresh_from_db()
    rule = is_assigned("link_inspector")
    assert rule.test(inspector, inverclyde)
    assert not rule.test(inspector, fife)
    assert not rule.test(person(Role.INSPECTOR), inverclyde)


def test_organisation_list_is_scoped(reference_data):
    member = person(Role.PARTNERSHIP_MEMBER)
    contact = person(Role.AUTHORITY_CONTACT, "inverclyde")
    inspector = person(Role.INSPECTOR)
    assert list(organisation_list_visible_to(user=member)) == [
        organisation("ayrshire-community-justice-partnership")
    ]
    assert list(organisation_list_visible_to(user=contact)) == [organisation("inverclyde")]
    assert organisation_list_visible_to(user=inspector).count() == 39
    assert organisation_list_visible_to(user=UserFactory()).count() == 0


PAGES_NEEDING_SIGN_IN = [
    ("core:home", {}),
    ("core:audit_list", {}),
    ("accounts:account", {}),
    ("accounts:organisation_list", {}),
    ("accounts:organisation_detail", {"slug": "inverclyde"}),
    ("qi_framework:framework_detail", {}),
    ("qi_framework:scale", {}),
    ("qi_framework:qi_detail", {"version": 1, "code": "5.2"}),
    ("qi_framework:qi_update", {"version": 1, "code": "5.2"}),
    ("admin:index", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES_NEEDING_SIGN_IN)
def test_anonymous_people_are_sent_to_sign_in(client, reference_data, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url, follow=True)
    assert response.redirect_chain, "the page was shown to an anonymous person"
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:sign_in"))
    assert response.status_code == 200


def test_partnership_member_is_refused_admin_and_other_organisations(client, reference_data):
    member = person(Role.PARTNERSHIP_MEMBER)
    login(client, member)
    assert client.get(reverse("admin:index")).status_code == 403
    assert client.get("/django-admin/accounts/user/").status_code == 403
    assert client.get(reverse("core:audit_list")).status_code == 403
    other = reverse("accounts:organisation_detail", kwargs={"slug": "west-dunbartonshire"})
    assert client.get(other).status_code == 404
    partnership = reverse(
        "accounts:organisation_detail", kwargs={"slug": "shetland-community-justice-partnership"}
    )
    assert client.get(partnership).status_code == 404
    own = reverse(
        "accounts:organisation_detail", kwargs={"slug": "ayrshire-community-justice-partnership"}
    )
    assert client.get(own).status_code == 200
    edit = reverse("qi_framework:qi_update", kwargs={"version": 1, "code": "5.2"})
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "Hacked"}).status_code == 403


def test_refusals_are_audited(client, reference_data):
    member = person(Role.PARTNERSHIP_MEMBER)
    login(client, member)
    client.get(reverse("core:audit_list"))
    event = AuditEvent.objects.get(action="permission_denied")
    assert event.actor == member
    assert event.detail == "GET /audit/"


def test_people_management_needs_an_administrator(client, reference_data):
    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    url = reverse("accounts:membership_add", kwargs={"slug": "inverclyde"})
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"email": "x@example.org", "name": "X", "role": "authority_contact"}
    )
    assert response.status_code == 403


def test_navigation_shows_what_the_person_can_do(client, reference_data):
    member = person(Role.PARTNERSHIP_MEMBER)
    login(client, member)
    page = client.get(reverse("core:home")).content.decode()
    assert "QI framework" in page
    assert "Audit log" not in page
    assert "Administration" not in page
    admin = person(Role.ADMINISTRATOR)
    login(client, admin)
    page = client.get(reverse("core:home")).content.decode()
    assert "Audit log" in page
    assert "Administration" in page
