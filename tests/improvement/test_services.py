"""Improvement plan services: opening, actions, progress with evidence, sign-off and closing."""

import datetime as dt

import pytest

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent, StoredFile
from core.uploads import UploadRejected, stored_files_of
from improvement import services
from improvement.models import ElementComment, ImprovementPlan, PlanElement, ProgressUpdate
from improvement.selectors import link_inspector_of
from inspections.models import Inspection
from inspections.services.setup import ALLOWED_TRANSITIONS
from tests.factories import person
from tests.improvement.factories import add_action, make_published, pdf_upload
from tests.inspections.factories import make_inspection

pytestmark = pytest.mark.django_db

FUTURE = dt.date.today() + dt.timedelta(days=60)


def test_opening_makes_one_element_per_recommendation_and_moves_the_inspection(reference_data):
    inspection = make_published()
    manager = person(Role.MANAGER)
    plan = services.improvement_plan_open(inspection=inspection, by=manager)
    kinds = sorted(plan.elements.values_list("recommendation__kind", flat=True))
    assert kinds == ["area_for_improvement", "recommendation", "recommendation"]
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IMPROVEMENT
    assert AuditEvent.objects.filter(
        action="inspection_status_changed", new_value="improvement"
    ).exists()


def test_opening_twice_returns_the_same_plan(reference_data):
    inspection = make_published()
    manager = person(Role.MANAGER)
    first = services.improvement_plan_open(inspection=inspection, by=manager)
    second = services.improvement_plan_open(inspection=inspection, by=manager)
    assert first.pk == second.pk
    assert ImprovementPlan.objects.count() == 1
    assert PlanElement.objects.count() == 3
    assert AuditEvent.objects.filter(action="improvement_plan_opened").count() == 1


def test_a_plan_cannot_open_before_publication(reference_data):
    inspection = make_inspection()
    inspection.status = Inspection.Status.REPORTING
    inspection.save()
    with pytest.raises(ApplicationError, match="starts when the inspection report is published"):
        services.improvement_plan_open(inspection=inspection, by=person(Role.MANAGER))
    assert not ImprovementPlan.objects.exists()


def test_adding_and_changing_actions_is_audited_and_counts_revisions(setup):
    element = setup.elements()[0]
    revision = setup.plan.revision
    action = add_action(setup, element, due=FUTURE)
    assert setup.refresh().revision == revision + 1
    services.action_update(
        action=action, description=action.description, owner_name="New Owner",
        owner_email="", due_date=FUTURE, status="complete", by=setup.coordinator,
    )  # fmt: skip
    action.refresh_from_db()
    assert action.owner_name == "New Owner" and action.completed_at is not None
    assert setup.refresh().revision == revision + 2
    changed = AuditEvent.objects.get(action="improvement_action_changed")
    assert changed.old_value["owner_name"] == "Morag Service Manager"
    assert changed.new_value["status"] == "complete"


def test_an_action_needs_a_description_owner_and_due_date(setup):
    element = setup.elements()[0]
    with pytest.raises(ApplicationError) as caught:
        services.action_create(
            element=element, description=" ", owner_name="", due_date=None, by=setup.contact
        )
    fields = [field for field, _ in caught.value.extra["errors"]]
    assert fields == ["description", "owner_name", "due_date"]


def test_progress_update_stores_evidence_owned_by_the_update(setup):
    action = add_action(setup, setup.elements()[0], due=FUTURE)
    update = services.progress_update_add(
        action=action, text="Audit of March done.", file=pdf_upload(), by=setup.contact
    )
    stored = StoredFile.objects.get()
    assert update.evidence == stored
    assert list(stored_files_of(owner=update)) == [stored]
    assert stored.purpose == "evidence"


def test_a_refused_file_stores_no_progress_update(setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    action = add_action(setup, setup.elements()[0], due=FUTURE)
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(UploadRejected):
        services.progress_update_add(action=action, text="See file.", file=bad, by=setup.contact)
    assert not ProgressUpdate.objects.exists()
    assert not StoredFile.objects.exists()


def test_an_element_needs_an_action_before_it_is_addressed(setup):
    with pytest.raises(ApplicationError, match="not added any actions"):
        services.element_mark_addressed(element=setup.elements()[0], by=setup.link)


def test_the_last_element_addressed_closes_the_plan_and_the_inspection(setup):
    elements = setup.elements()
    for element in elements:
        add_action(setup, element, due=FUTURE)
    for element in elements[:-1]:
        services.element_mark_addressed(element=element, by=setup.link, comment="Evidenced.")
        assert setup.refresh().status == ImprovementPlan.Status.OPEN
    assert setup.inspection.status == Inspection.Status.IMPROVEMENT
    services.element_mark_addressed(element=elements[-1], by=setup.link)
    plan = setup.refresh()
    assert plan.status == ImprovementPlan.Status.CLOSED and plan.closed_at is not None
    assert setup.inspection.status == Inspection.Status.CLOSED
    assert ElementComment.objects.filter(kind="addressed").count() == 3


def test_an_addressed_element_cannot_be_changed_until_reopened(setup):
    element = setup.elements()[0]
    action = add_action(setup, element, due=FUTURE)
    services.element_mark_addressed(element=element, by=setup.link)
    with pytest.raises(ApplicationError, match="signed off as addressed"):
        add_action(setup, element, due=FUTURE)
    with pytest.raises(ApplicationError, match="signed off as addressed"):
        services.progress_update_add(action=action, text="More.", by=setup.contact)
    with pytest.raises(ApplicationError, match="Give a reason"):
        services.element_reopen(element=element, reason=" ", by=setup.link)
    services.element_reopen(element=element, reason="The audit lapsed.", by=setup.link)
    assert add_action(setup, element, due=FUTURE).pk
    assert ElementComment.objects.filter(kind="reopened", body="The audit lapsed.").exists()


def test_reopening_an_element_reopens_a_closed_plan(setup):
    elements = setup.elements()
    for element in elements:
        add_action(setup, element, due=FUTURE)
        services.element_mark_addressed(element=element, by=setup.link)
    assert setup.refresh().status == ImprovementPlan.Status.CLOSED
    services.element_reopen(element=elements[1], reason="Plans slipped again.", by=setup.manager)
    plan = setup.refresh()
    assert plan.status == ImprovementPlan.Status.OPEN and plan.closed_at is None
    # The inspection returns to improvement monitoring where its lifecycle allows the move.
    may_return = Inspection.Status.IMPROVEMENT in ALLOWED_TRANSITIONS[Inspection.Status.CLOSED]
    expected = Inspection.Status.IMPROVEMENT if may_return else Inspection.Status.CLOSED
    assert setup.inspection.status == expected


def test_comments_need_text_and_count_as_a_change(setup):
    element = setup.elements()[0]
    with pytest.raises(ApplicationError, match="Enter a comment"):
        services.element_comment_add(element=element, body="  ", by=setup.link)
    revision = setup.plan.revision
    services.element_comment_add(element=element, body="Please add dates.", by=setup.link)
    assert setup.refresh().revision == revision + 1


def test_the_link_inspector_is_assigned_to_the_authority_and_replaced(setup):
    assert link_inspector_of(plan=setup.plan) == setup.link
    other = person(Role.INSPECTOR)
    services.link_inspector_assign(plan=setup.plan, user=other, by=setup.lead)
    assert link_inspector_of(plan=setup.plan) == other
    with pytest.raises(ApplicationError, match="already the link inspector"):
        services.link_inspector_assign(plan=setup.plan, user=other, by=setup.lead)
    with pytest.raises(ApplicationError, match="inspector"):
        services.link_inspector_assign(plan=setup.plan, user=setup.contact, by=setup.lead)


def test_a_stale_edit_of_an_action_is_refused_not_saved_over(setup):
    action = add_action(setup, setup.elements()[0], due=FUTURE)
    seen = action.version
    common = {"owner_email": "", "due_date": FUTURE, "status": "in_progress"}
    services.action_update(
        action=action, description="First edit.", owner_name="A", by=setup.contact,
        expected_version=seen, **common,
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="changed this action while you were editing"):
        services.action_update(
            action=action, description="Second edit.", owner_name="B", by=setup.coordinator,
            expected_version=seen, **common,
        )  # fmt: skip
    action.refresh_from_db()
    assert action.description == "First edit." and action.version == seen + 1
