"""Pages: who sees which plan (404 outside scope), who may do what (403), and the happy paths."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from improvement import services
from improvement.models import ImprovementAction, ImprovementPlan, PlanElement
from reports.models import Document
from tests.factories import login, person
from tests.improvement.factories import add_action, make_plan, pdf_upload

pytestmark = pytest.mark.django_db

FUTURE = dt.date.today() + dt.timedelta(days=90)


def _urls(setup) -> list[str]:
    plan, element = setup.plan, setup.elements()[0]
    action = add_action(setup, element, due=FUTURE)
    update = services.progress_update_add(
        action=action, text="Done.", file=pdf_upload(), by=setup.contact
    )
    return [
        reverse("improvement:plan_detail", args=[plan.pk]),
        reverse("improvement:element_detail", args=[plan.pk, element.pk]),
        reverse("improvement:action_create", args=[plan.pk, element.pk]),
        reverse("improvement:action_update", args=[plan.pk, action.pk]),
        reverse("improvement:progressupdate_create", args=[plan.pk, action.pk]),
        reverse("improvement:comment_create", args=[plan.pk, element.pk]),
        reverse("improvement:element_address", args=[plan.pk, element.pk]),
        reverse("improvement:link_inspector_assign", args=[plan.pk]),
        reverse("core:file_download", args=[update.evidence_id]),
    ]


@pytest.mark.parametrize(
    "who",
    ["other_contact", "other_coordinator", "unassigned_inspector", "practitioner", "other_link"],
)
def test_people_outside_the_plan_get_nothing(client, setup, who):
    people = {
        "other_contact": lambda: person(Role.AUTHORITY_CONTACT, "inverclyde"),
        "other_coordinator": lambda: person(Role.LOCAL_COORDINATOR, "inverclyde"),
        "unassigned_inspector": lambda: person(Role.INSPECTOR),
        "practitioner": lambda: person(Role.PRACTITIONER, "west-dunbartonshire"),
        "other_link": lambda: _link_elsewhere(),
    }
    login(client, people[who]())
    for url in _urls(setup):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("reports:document_request", args=["improvement_plan_progress", setup.plan.pk])
    )
    assert response.status_code == 403
    listing = client.get(reverse("improvement:plan_list"))
    assert listing.status_code in {200, 403}
    if listing.status_code == 200:
        assert list(listing.context["plans"]) == []


def _link_elsewhere():
    from tests.improvement.factories import link_inspector_for

    return link_inspector_for("inverclyde")


def test_an_authority_contact_sees_their_own_plan_not_another_authoritys(client, reference_data):
    own = make_plan("west-dunbartonshire")
    other = make_plan("inverclyde")
    login(client, own.contact)
    response = client.get(reverse("improvement:plan_list"))
    assert [p.pk for p in response.context["plans"]] == [own.plan.pk]
    assert client.get(reverse("improvement:plan_detail", args=[own.plan.pk])).status_code == 200
    assert client.get(reverse("improvement:plan_detail", args=[other.plan.pk])).status_code == 404
    other_element = other.elements()[0]
    # An element of another plan under this plan's address is not found either.
    url = reverse("improvement:element_detail", args=[own.plan.pk, other_element.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["contact", "coordinator", "link", "lead", "manager"])
def test_everyone_in_the_plan_sees_it(client, setup, who):
    login(client, getattr(setup, who))
    for url in _urls(setup)[:2] + [_urls(setup)[-1]]:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("improvement:plan_list")).context["plans"][0] == setup.plan


def test_the_authority_adds_and_changes_an_action(client, setup):
    element = setup.elements()[0]
    login(client, setup.contact)
    url = reverse("improvement:action_create", args=[setup.plan.pk, element.pk])
    response = client.post(url, {"description": ""})
    assert response.status_code == 200
    assert "Describe the action" in response.content.decode()
    response = client.post(
        url,
        {
            "description": "Weekly LS/CMI audit.",
            "owner_name": "Jo Manager",
            "owner_email": "jo@council.example",
            "due_date_0": "31",
            "due_date_1": "3",
            "due_date_2": str(FUTURE.year + 1),
        },
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert action.element == element and action.due_date == dt.date(FUTURE.year + 1, 3, 31)
    page = client.get(response.url).content.decode()
    assert "Weekly LS/CMI audit." in page and "Jo Manager" in page
    edit = reverse("improvement:action_update", args=[setup.plan.pk, action.pk])
    response = client.post(
        edit,
        {
            "description": "Weekly LS/CMI audit.",
            "owner_name": "Jo Manager",
            "due_date_0": "31",
            "due_date_1": "3",
            "due_date_2": str(FUTURE.year + 1),
            "status": "in_progress",
            "version": str(action.version),
        },
    )
    assert response.status_code == 302
    assert ImprovementAction.objects.get().status == "in_progress"
    # A second edit based on the same (now stale) version is refused with a clear message.
    response = client.post(
        edit,
        {
            "description": "Something else.",
            "owner_name": "Jo Manager",
            "due_date_0": "31",
            "due_date_1": "3",
            "due_date_2": str(FUTURE.year + 1),
            "status": "complete",
            "version": str(action.version),
        },
        follow=True,
    )
    assert "changed this action while you were editing it" in response.content.decode()
    assert response.context["form"].initial["status"] == "in_progress"  # the action as it is now
    assert ImprovementAction.objects.get().status == "in_progress"


def test_the_authority_adds_progress_with_evidence_that_others_in_the_plan_download(client, setup):
    action = add_action(setup, setup.elements()[0], due=FUTURE)
    login(client, setup.coordinator)
    url = reverse("improvement:progressupdate_create", args=[setup.plan.pk, action.pk])
    response = client.post(url, {"text": "First audit done.", "file": pdf_upload()})
    assert response.status_code == 302
    update = action.updates.get()
    assert update.evidence.owner == update
    login(client, setup.link)
    download = client.get(reverse("core:file_download", args=[update.evidence_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("who", ["link", "lead", "manager"])
def test_inspectors_cannot_edit_the_authoritys_actions(client, setup, who):
    element = setup.elements()[0]
    login(client, getattr(setup, who))
    url = reverse("improvement:action_create", args=[setup.plan.pk, element.pk])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["contact", "coordinator", "lead"])
def test_only_the_link_inspector_or_a_manager_marks_an_element_addressed(client, setup, who):
    element = setup.elements()[0]
    add_action(setup, element, due=FUTURE)
    login(client, getattr(setup, who))
    url = reverse("improvement:element_address", args=[setup.plan.pk, element.pk])
    assert client.post(url, {"comment": ""}).status_code == 403
    assert PlanElement.objects.get(pk=element.pk).status == "open"


def test_the_link_inspector_comments_and_signs_off_every_element(client, setup):
    elements = setup.elements()
    for element in elements:
        add_action(setup, element, due=FUTURE)
    login(client, setup.link)
    comment = reverse("improvement:comment_create", args=[setup.plan.pk, elements[0].pk])
    assert client.post(comment, {"body": "Add the audit results."}).status_code == 302
    for element in elements:
        url = reverse("improvement:element_address", args=[setup.plan.pk, element.pk])
        response = client.post(url, {"comment": "Evidence seen."}, follow=True)
        assert response.status_code == 200
    assert "the improvement plan and the inspection are closed" in response.content.decode()
    assert ImprovementPlan.objects.get().status == "closed"
    # The contact may no longer add actions to a closed plan's elements.
    login(client, setup.contact)
    url = reverse("improvement:action_create", args=[setup.plan.pk, elements[0].pk])
    response = client.post(
        url,
        {
            "description": "More",
            "owner_name": "Jo",
            "due_date_0": "1",
            "due_date_1": "1",
            "due_date_2": str(FUTURE.year + 1),
        },
    )
    assert "The improvement plan is closed" in response.content.decode()


def test_the_lead_assigns_a_link_inspector(client, setup):
    inspector = person(Role.INSPECTOR, name="Lorna Link")
    login(client, setup.lead)
    url = reverse("improvement:link_inspector_assign", args=[setup.plan.pk])
    response = client.post(url, {"user": inspector.pk}, follow=True)
    assert "Lorna Link is now the link inspector" in response.content.decode()
    login(client, setup.contact)
    assert client.get(url).status_code == 403


def test_the_progress_report_button_asks_for_the_document(client, setup, monkeypatch):
    monkeypatch.setattr("reports.services._send", lambda document_id: None)
    login(client, setup.contact)
    page = client.get(reverse("improvement:plan_detail", args=[setup.plan.pk])).content.decode()
    assert "Download progress report (PDF)" in page
    response = client.post(
        reverse("reports:document_request", args=["improvement_plan_progress", setup.plan.pk])
    )
    document = Document.objects.get()
    assert response.url == reverse("reports:document_detail", args=[document.pk])
    assert document.version == setup.refresh().revision


def test_the_lead_opens_the_plan_of_a_published_inspection(client, reference_data):
    from tests.improvement.factories import make_published

    inspection = make_published()
    login(client, person(Role.AUTHORITY_CONTACT))
    url = reverse("improvement:plan_open", args=[inspection.pk])
    assert client.post(url).status_code == 403
    login(client, inspection.lead)
    response = client.post(url)
    plan = ImprovementPlan.objects.get()
    assert response.url == reverse("improvement:plan_detail", args=[plan.pk])


def test_the_link_inspector_reopens_an_element_with_a_reason(client, setup):
    element = setup.elements()[0]
    add_action(setup, element, due=FUTURE)
    services.element_mark_addressed(element=element, by=setup.link)
    login(client, setup.link)
    url = reverse("improvement:element_reopen", args=[setup.plan.pk, element.pk])
    response = client.post(url, {"reason": ""})
    assert "Give a reason for reopening this element" in response.content.decode()
    assert PlanElement.objects.get(pk=element.pk).status == "addressed"
    response = client.post(url, {"reason": "The audits stopped in May."}, follow=True)
    assert "Recommendation 1 has been reopened." in response.content.decode()
    assert "The audits stopped in May." in response.content.decode()
    assert PlanElement.objects.get(pk=element.pk).status == "open"


def test_the_inspection_home_page_leads_to_the_plan(client, setup):
    home = reverse("inspections:inspection_detail", args=[setup.plan.inspection.pk])
    plan_url = reverse("improvement:plan_detail", args=[setup.plan.pk])
    login(client, setup.contact)
    page = client.get(home).content.decode()
    assert "Improvement plan" in page
    assert plan_url in page
    assert "0 of 3 recommendations and areas for improvement addressed" in page
