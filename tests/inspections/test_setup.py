"""Inspection set-up: creation and dates, QIs, lifecycle, team, timetable, self-evaluation and
who sees what."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import selectors, services
from inspections.checks import ASSOCIATE_MUST_BE_FROM_ANOTHER_AUTHORITY, MUST_BE_FROM_THIS_AUTHORITY
from inspections.models import FieldworkEvent, Inspection, SelfAssessment
from inspections.selectors.setup import TaskState
from inspections.services import setup as setup_services
from qi_framework.models import QualityIndicator
from tests.factories import login, organisation, person
from tests.inspections.factories import assign, make_inspection, make_population, make_sample

pytestmark = pytest.mark.django_db

S = Inspection.Status
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def url(name: str, inspection, **kwargs) -> str:
    return reverse(f"inspections:{name}", kwargs={"pk": inspection.pk, **kwargs})


def date_post(name: str, value: dt.date | None) -> dict:
    if value is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


# --- Creating an inspection ----------------------------------------------------------------------


def test_create_sets_up_activity_scope_lead_and_default_period(framework):
    inspector = person(Role.INSPECTOR)
    authority = organisation("inverclyde")

    inspection = services.inspection_create(
        authority=authority,
        fieldwork_start=dt.date(2019, 11, 4),
        fieldwork_end=dt.date(2019, 12, 13),
        lead=inspector,
        by=inspector,
    )

    assert inspection.title == "Inspection of justice social work services in Inverclyde"
    assert inspection.period_start == dt.date(2017, 11, 4)
    assert inspection.period_end == dt.date(2019, 11, 3)
    assert inspection.status == S.PLANNED
    activity = inspection.activity
    assert activity.authority == authority
    assert activity.population_schema == "cpo"
    assert activity.framework == framework
    assert activity.reading_instrument.instrument.code == "cpo-file-reading"
    assert activity.interview_instrument.instrument.code == "cpo-interview"
    reported = [row.quality_indicator.code for row in inspection.qis.all()]
    evaluated = [row.quality_indicator.code for row in inspection.qis.filter(evaluated=True)]
    assert reported == ["1.1", "2.1", "5.1", "5.2", "5.3", "5.4", "6.1", "6.4", "9.4"]
    assert evaluated == ["1.1", "2.1", "5.2", "5.3", "9.4"]
    inspector.refresh_from_db()
    assert inspector.has_perm("inspections.manage_inspection", inspection)
    assert AuditEvent.objects.filter(action="inspection_created", object_id=str(inspection.pk))


def test_default_period_over_a_leap_day():
    start, end = services.inspection_period_default(fieldwork_start=dt.date(2020, 3, 1))
    assert end == dt.date(2020, 2, 29)
    assert start == dt.date(2018, 3, 1)


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (
            {"fieldwork_start": dt.date(2019, 11, 4), "fieldwork_end": dt.date(2019, 11, 1)},
            "fieldwork_end",
            setup_services.FIELDWORK_END_BEFORE_START,
        ),
        (
            {"notice_date": dt.date(2019, 11, 4)},
            "notice_date",
            setup_services.NOTICE_AFTER_FIELDWORK,
        ),
        (
            {"notice_date": dt.date(2019, 9, 2), "self_evaluation_due": dt.date(2019, 8, 30)},
            "self_evaluation_due",
            setup_services.SELF_EVALUATION_DUE_BEFORE_NOTICE,
        ),
        (
            {"self_evaluation_due": dt.date(2019, 11, 20)},
            "self_evaluation_due",
            setup_services.SELF_EVALUATION_DUE_AFTER_FIELDWORK,
        ),
        (
            {"feedback_date": dt.date(2019, 12, 1)},
            "feedback_date",
            setup_services.FEEDBACK_BEFORE_FIELDWORK_ENDS,
        ),
        (
            {"feedback_date": dt.date(2020, 1, 20), "target_publication": dt.date(2020, 1, 10)},
            "target_publication",
            setup_services.PUBLICATION_BEFORE_FEEDBACK,
        ),
        (
            {"period_start": dt.date(2019, 1, 1), "period_end": dt.date(2018, 1, 1)},
            "period_end",
            setup_services.PERIOD_END_BEFORE_START,
        ),
    ],
)
def test_dates_out_of_order_are_refused_with_a_message(framework, dates, field, message):
    inspector = person(Role.INSPECTOR)
    values = {"fieldwork_start": dt.date(2019, 11, 4), "fieldwork_end": dt.date(2019, 12, 13)}
    values.update(dates)

    with pytest.raises(ApplicationError) as refused:
        services.inspection_create(
            authority=organisation("inverclyde"), lead=inspector, by=inspector, **values
        )

    assert (field, message) in refused.value.extra["errors"]
    assert not Inspection.objects.exists()


def test_create_page_shows_date_errors_and_keeps_what_was_typed(client, framework):
    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    data = {
        "authority": organisation("inverclyde").pk,
        "lead": inspector.pk,
        "title": "Inverclyde 2019",
        **date_post("fieldwork_start", dt.date(2019, 11, 4)),
        **date_post("fieldwork_end", dt.date(2019, 11, 1)),
        **date_post("notice_date", None),
        "self_evaluation_due_0": "31",
        "self_evaluation_due_1": "2",
        "self_evaluation_due_2": "2019",
    }

    response = client.post(reverse("inspections:inspection_create"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Self-evaluation due must be a real date" in page
    assert "Inverclyde 2019" in page  # nothing typed is lost
    assert not Inspection.objects.exists()
    data.update(date_post("self_evaluation_due", None))
    page = client.post(reverse("inspections:inspection_create"), data).content.decode()
    assert setup_services.FIELDWORK_END_BEFORE_START in page
    assert "govuk-error-summary" in page


def test_inspector_creates_an_inspection_through_the_page(client, framework):
    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    response = client.post(
        reverse("inspections:inspection_create"),
        {
            "authority": organisation("inverclyde").pk,
            "lead": inspector.pk,
            "governance": Inspection.Governance.IJB,
            **date_post("fieldwork_start", dt.date(2019, 11, 4)),
            **date_post("fieldwork_end", dt.date(2019, 12, 13)),
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response.url == url("inspection_detail", inspection)
    assert inspection.period_start == dt.date(2017, 11, 4)


def test_only_inspectors_and_managers_set_up_inspections(client, framework):
    login(client, person(Role.AUTHORITY_CONTACT))
    assert client.get(reverse("inspections:inspection_create")).status_code == 403
    login(client, person(Role.MANAGER))
    assert client.get(reverse("inspections:inspection_create")).status_code == 200


def test_update_checks_dates_together_and_audits(inspection):
    with pytest.raises(ApplicationError, match="must be on or after the last day"):
        services.inspection_update(
            inspection=inspection, feedback_date=dt.date(2019, 12, 1), by=inspection.lead
        )
    services.inspection_update(
        inspection=inspection,
        feedback_date=dt.date(2019, 12, 20),
        title="West Dunbartonshire 2019",
        by=inspection.lead,
    )
    inspection.refresh_from_db()
    assert inspection.feedback_date == dt.date(2019, 12, 20)
    assert inspection.activity.title == "West Dunbartonshire 2019"
    event = AuditEvent.objects.get(action="inspection_updated")
    assert event.old_value["feedback_date"] is None
    assert event.new_value["feedback_date"] == "2019-12-20"


def test_evaluated_qis_must_be_reported(inspection):
    qis = {
        qi.code: qi
        for qi in QualityIndicator.objects.filter(framework=inspection.activity.framework)
    }
    with pytest.raises(ApplicationError) as refused:
        services.inspection_set_qis(
            inspection=inspection,
            reported=[qis["1.1"]],
            evaluated=[qis["1.1"], qis["2.1"]],
            by=inspection.lead,
        )
    assert refused.value.message == setup_services.EVALUATED_NOT_REPORTED.format(codes="2.1")

    services.inspection_set_qis(
        inspection=inspection,
        reported=[qis["1.1"], qis["2.1"], qis["6.2"]],
        evaluated=[qis["2.1"]],
        by=inspection.lead,
    )
    assert [(r.quality_indicator.code, r.evaluated) for r in inspection.qis.all()] == [
        ("1.1", False),
        ("2.1", True),
        ("6.2", False),
    ]
    assert AuditEvent.objects.get(action="inspection_qis_changed").new_value == {
        "reported": ["1.1", "2.1", "6.2"],
        "evaluated": ["2.1"],
    }


# --- Lifecycle -----------------------------------------------------------------------------------


def test_lifecycle_moves_forward_one_step_at_a_time_and_is_audited(inspection):
    lead = inspection.lead
    for status in [S.SELF_EVALUATION, S.FIELDWORK, S.EVALUATION, S.REPORTING, S.PUBLISHED]:
        inspection = services.inspection_transition(inspection=inspection, to=status, by=lead)
    assert inspection.status == S.PUBLISHED
    services.inspection_transition(inspection=inspection, to=S.IMPROVEMENT, by=None)
    inspection = services.inspection_transition(inspection=inspection, to=S.CLOSED, by=None)
    assert inspection.status == S.CLOSED
    moves = AuditEvent.objects.filter(action="inspection_status_changed").order_by("pk")
    assert [(e.old_value, e.new_value) for e in moves][:2] == [
        ("planned", "self_evaluation"),
        ("self_evaluation", "fieldwork"),
    ]


def test_a_closed_inspection_returns_to_improvement_monitoring_only_with_a_reason(inspection):
    # An improvement-plan element reopened after the plan closed (improvement/).
    Inspection.objects.filter(pk=inspection.pk).update(status=S.CLOSED)
    with pytest.raises(ApplicationError):
        services.inspection_transition(inspection=inspection, to=S.IMPROVEMENT, by=None)
    inspection = services.inspection_transition(
        inspection=inspection, to=S.IMPROVEMENT, by=None, reason="Action 2 reopened"
    )
    assert inspection.status == S.IMPROVEMENT


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (S.PLANNED, S.FIELDWORK),  # skips a step
        (S.PLANNED, S.CLOSED),
        (S.PUBLISHED, S.REPORTING),  # publication is not undone
        (S.CLOSED, S.PUBLISHED),
        (S.FIELDWORK, S.FIELDWORK),
    ],
)
def test_illegal_moves_are_refused_naming_both_states(inspection, current, to):
    Inspection.objects.filter(pk=inspection.pk).update(status=current)
    with pytest.raises(ApplicationError) as refused:
        services.inspection_transition(inspection=inspection, to=to, by=inspection.lead)
    assert refused.value.message == setup_services.ILLEGAL_TRANSITION.format(
        current=S(current).label, to=S(to).label
    )
    inspection.refresh_from_db()
    assert inspection.status == current


def test_moving_back_needs_a_reason(inspection):
    Inspection.objects.filter(pk=inspection.pk).update(status=S.REPORTING)
    with pytest.raises(ApplicationError, match="Give a reason"):
        services.inspection_transition(inspection=inspection, to=S.EVALUATION, by=inspection.lead)
    services.inspection_transition(
        inspection=inspection, to=S.EVALUATION, reason="Grade for 5.3 to review", by=inspection.lead
    )
    event = AuditEvent.objects.get(action="inspection_status_changed")
    assert event.detail == "Grade for 5.3 to review"


def test_home_page_offers_the_moves_this_person_may_make(client, inspection):
    Inspection.objects.filter(pk=inspection.pk).update(status=S.REPORTING)
    login(client, inspection.lead)
    page = client.get(url("inspection_detail", inspection)).content.decode()
    assert "Move back to evaluation" in page
    assert "Mark as published" not in page  # a manager approves publication
    response = client.post(url("inspection_transition", inspection), {"to": S.PUBLISHED})
    assert response.status_code == 403

    manager = person(Role.MANAGER)
    login(client, manager)
    assert "Mark as published" in client.get(url("inspection_detail", inspection)).content.decode()
    response = client.post(url("inspection_transition", inspection), {"to": S.PUBLISHED})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == S.PUBLISHED


def test_illegal_move_through_the_page_shows_the_message(client, inspection):
    login(client, inspection.lead)
    response = client.post(url("inspection_transition", inspection), {"to": S.CLOSED}, follow=True)
    assert "An inspection cannot move from “Planned” to “Closed”." in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == S.PLANNED


def test_moving_back_through_the_page_asks_for_the_reason(client, inspection):
    Inspection.objects.filter(pk=inspection.pk).update(status=S.FIELDWORK)
    login(client, inspection.lead)
    page = client.get(url("inspection_transition", inspection) + "?to=self_evaluation")
    assert "Why is the inspection moving back?" in page.content.decode()
    response = client.post(url("inspection_transition", inspection), {"to": S.SELF_EVALUATION})
    assert "Give a reason for moving the inspection back" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == S.FIELDWORK


def test_others_on_the_inspection_cannot_move_it(client, inspection):
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    login(client, inspector)
    response = client.post(url("inspection_transition", inspection), {"to": S.SELF_EVALUATION})
    assert response.status_code == 403


# --- Team ----------------------------------------------------------------------------------------


def test_associate_assessor_from_the_inspected_authority_is_refused(inspection):
    local = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    with pytest.raises(ApplicationError) as refused:
        services.team_assign(
            inspection=inspection, user=local, kind="associate_assessor", by=inspection.lead
        )
    assert refused.value.message == ASSOCIATE_MUST_BE_FROM_ANOTHER_AUTHORITY


def test_associate_assessor_from_another_authority_is_accepted(inspection):
    visitor = person(Role.AUTHORITY_CONTACT, "inverclyde")
    services.team_assign(
        inspection=inspection, user=visitor, kind="associate_assessor", by=inspection.lead
    )
    visitor.refresh_from_db()
    assert visitor.has_perm("inspections.read_records", inspection)
    team = selectors.inspection_team(inspection=inspection)
    assert [a.user for a in team["associate_assessor"]] == [visitor]


def test_co_reader_from_another_authority_is_refused(inspection):
    visitor = person(Role.AUTHORITY_CONTACT, "inverclyde")
    with pytest.raises(ApplicationError) as refused:
        services.team_assign(
            inspection=inspection, user=visitor, kind="local_co_reader", by=inspection.lead
        )
    assert refused.value.message == MUST_BE_FROM_THIS_AUTHORITY.format(
        kind="local co-reader", authority="West Dunbartonshire"
    )


def test_an_inspection_has_one_lead(inspection):
    with pytest.raises(ApplicationError, match="is already the lead inspector"):
        services.team_assign(
            inspection=inspection,
            user=person(Role.INSPECTOR),
            kind="lead_inspector",
            by=inspection.lead,
        )


def test_eligible_people_fit_the_kind(inspection):
    local = person(Role.LOCAL_COORDINATOR, "west-dunbartonshire")
    visitor = person(Role.AUTHORITY_CONTACT, "inverclyde")
    inspector = person(Role.INSPECTOR)

    def eligible(kind):
        return set(selectors.team_eligible_people(inspection=inspection, kind=kind))

    assert visitor in eligible("associate_assessor")
    assert local not in eligible("associate_assessor")
    assert local in eligible("local_co_reader")
    assert visitor not in eligible("local_co_reader")
    assert inspector in eligible("inspector")
    assert inspection.lead not in eligible("lead_inspector")  # already holds it
    assert local in eligible("local_coordinator")


def test_lead_adds_and_removes_through_the_team_page(client, inspection):
    visitor = person(Role.AUTHORITY_CONTACT, "inverclyde")
    login(client, inspection.lead)
    add = url("inspection_team_add", inspection, kind="associate_assessor")
    page = client.get(add).content.decode()
    assert visitor.name in page
    response = client.post(add, {"user": visitor.pk})
    assert response.status_code == 302
    assignment = selectors.inspection_team(inspection=inspection)["associate_assessor"][0]
    assert visitor.name in client.get(url("inspection_team", inspection)).content.decode()

    response = client.post(url("inspection_team_remove", inspection, assignment_pk=assignment.pk))
    assert response.status_code == 302
    assert selectors.inspection_team(inspection=inspection)["associate_assessor"] == []


def test_refused_person_posted_to_the_team_page_gets_a_message(client, inspection):
    local = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    login(client, inspection.lead)
    response = client.post(
        url("inspection_team_add", inspection, kind="associate_assessor"), {"user": local.pk}
    )
    # Not among the eligible people, so the form refuses before the service is asked.
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_only_the_lead_or_a_manager_changes_the_team(client, inspection):
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    login(client, inspector)
    assert client.get(url("inspection_team", inspection)).status_code == 200
    add = url("inspection_team_add", inspection, kind="inspector")
    assert client.get(add).status_code == 403
    login(client, person(Role.MANAGER))
    assert client.get(add).status_code == 200


# --- Who sees what -------------------------------------------------------------------------------


def test_list_is_scoped_to_each_person(client, inspection):
    other = make_inspection("inverclyde", title="Inverclyde inspection")
    visitor = assign(person(Role.AUTHORITY_CONTACT, "inverclyde"), "associate_assessor", inspection)
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    manager = person(Role.MANAGER)

    def visible(user):
        return set(selectors.inspection_list_visible_to(user=user))

    assert visible(manager) == {inspection, other}
    assert visible(inspection.lead) == {inspection}
    # The associate assessor is a contact of Inverclyde too: their own authority and their
    # assignment, nothing else.
    assert visible(visitor) == {inspection, other}
    assert visible(contact) == {inspection}
    assert visible(person(Role.INSPECTOR)) == set()

    login(client, contact)
    page = client.get(reverse("inspections:inspection_list")).content.decode()
    assert inspection.title in page
    assert "Inverclyde inspection" not in page


def test_associate_assessor_sees_only_inspections_assigned(client, inspection):
    make_inspection("inverclyde", title="Inverclyde inspection")
    assessor = person(Role.INSPECTOR)  # no authority membership: sees assignments only
    other = make_inspection("falkirk", title="Falkirk inspection")
    assign(assessor, "inspector", other)
    login(client, assessor)
    page = client.get(reverse("inspections:inspection_list")).content.decode()
    assert "Falkirk inspection" in page
    assert "Inverclyde inspection" not in page
    assert client.get(url("inspection_detail", inspection)).status_code == 404
    assert client.get(url("inspection_detail", other)).status_code == 200


def test_partnership_member_sees_no_inspections(client, inspection):
    login(client, person(Role.PARTNERSHIP_MEMBER))
    assert client.get(reverse("inspections:inspection_list")).status_code == 403
    assert client.get(url("inspection_detail", inspection)).status_code == 404
    assert b"Inspections" not in client.get(reverse("core:home")).content


def test_contact_of_another_authority_gets_404(client, inspection):
    login(client, person(Role.AUTHORITY_CONTACT, "inverclyde"))
    for name in ("inspection_detail", "inspection_team", "fieldworkevent_list"):
        assert client.get(url(name, inspection)).status_code == 404
    assert client.get(url("selfassessment_list", inspection)).status_code == 404


def test_authority_contact_home_page_has_no_reading_or_grade_links(client, inspection):
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    login(client, contact)
    page = client.get(url("inspection_detail", inspection)).content.decode()
    assert 'class="govuk-task-list"' in page
    assert url("selfassessment_list", inspection) in page
    assert url("fieldworkevent_list", inspection) in page
    for name in ("reading_queue", "moderation_list", "interview_list"):
        try:
            address = url(name, inspection)
        except NoReverseMatch:  # that page is not built yet
            continue
        assert address not in page
    assert "Start self-evaluation" not in page


# --- Task list -----------------------------------------------------------------------------------


def test_task_list_follows_the_work(inspection):
    def states():
        return {t.name: t.state for t in selectors.inspection_tasks(inspection=inspection)}

    first = states()
    assert first["Team"] == TaskState.IN_PROGRESS  # the lead only
    assert first["Population of records"] == TaskState.NOT_STARTED
    assert first["Sample"] == TaskState.CANNOT_START
    assert first["Record reading"] == TaskState.CANNOT_START
    assert first["Fieldwork timetable"] == TaskState.NOT_STARTED
    assert first["Self-evaluation"] == TaskState.NOT_STARTED

    make_population(inspection, 20)
    assert states()["Sample"] == TaskState.NOT_STARTED
    make_sample(inspection, size=5, reserve=2)
    after = states()
    assert after["Population of records"] == TaskState.COMPLETED
    assert after["Sample"] == TaskState.IN_PROGRESS
    assert after["Record reading"] == TaskState.NOT_STARTED

    assign(person(Role.INSPECTOR), "inspector", inspection)
    assign(person(Role.LOCAL_COORDINATOR), "local_coordinator", inspection)
    assert states()["Team"] == TaskState.COMPLETED


def test_task_list_steps_without_a_page_have_no_link(inspection):
    tasks = selectors.inspection_tasks(inspection=inspection, user=inspection.lead)
    by_name = {t.name: t for t in tasks}
    assert by_name["Team"].url == url("inspection_team", inspection)
    assert by_name["Sample"].url is None  # cannot start yet


# --- Fieldwork timetable -------------------------------------------------------------------------


def event_post(**overrides) -> dict:
    data = {
        "kind": FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
        **date_post("date", dt.date(2019, 11, 12)),
        "start_time": "10:00",
        "end_time": "12:00",
        "place": "Church Street, Dumbarton",
        "attendees": ["inspectors", "justice_staff"],
        "status": FieldworkEvent.Status.PROPOSED,
    }
    data.update(overrides)
    return data


def test_coordinator_adds_an_event_and_a_co_reader_cannot(client, inspection):
    coordinator = assign(person(Role.LOCAL_COORDINATOR), "local_coordinator", inspection)
    co_reader = assign(person(Role.AUTHORITY_CONTACT), "local_co_reader", inspection)
    # A co-reader who is only a co-reader (not a contact) of the authority:
    co_reader.memberships.update(role=Role.AUTHORITY_CONTACT, is_active=False)
    co_reader.refresh_from_db()

    login(client, coordinator)
    response = client.post(url("fieldworkevent_create", inspection), event_post())
    assert response.status_code == 302
    event = FieldworkEvent.objects.get()
    assert event.attendees == ["inspectors", "justice_staff"]
    assert event.activity == inspection.activity

    login(client, co_reader)
    assert client.get(url("fieldworkevent_list", inspection)).status_code == 200
    assert client.get(url("fieldworkevent_create", inspection)).status_code == 403
    response = client.post(
        url("fieldworkevent_update", inspection, event_pk=event.pk), event_post(place="X")
    )
    assert response.status_code == 403


def test_event_needs_a_place_unless_remote(client, inspection):
    login(client, inspection.lead)
    page = client.post(url("fieldworkevent_create", inspection), event_post(place="")).content
    assert setup_services.PLACE_OR_REMOTE in page.decode()
    assert not FieldworkEvent.objects.exists()
    response = client.post(
        url("fieldworkevent_create", inspection), event_post(place="", is_remote="on")
    )
    assert response.status_code == 302
    assert FieldworkEvent.objects.get().is_remote


def test_event_times_in_order(inspection):
    with pytest.raises(ApplicationError, match="end time must be after"):
        services.fieldwork_event_create(
            inspection=inspection,
            kind=FieldworkEvent.Kind.READING_SESSION,
            date=dt.date(2019, 11, 5),
            start_time=dt.time(14),
            end_time=dt.time(9),
            is_remote=True,
            by=inspection.lead,
        )


def test_event_update_and_cancel_are_audited(client, inspection):
    event = services.fieldwork_event_create(
        inspection=inspection,
        kind=FieldworkEvent.Kind.CHIEF_OFFICERS,
        date=dt.date(2019, 11, 20),
        place="Council offices",
        by=inspection.lead,
    )
    login(client, inspection.lead)
    response = client.post(
        url("fieldworkevent_update", inspection, event_pk=event.pk),
        event_post(kind=FieldworkEvent.Kind.CHIEF_OFFICERS, status="agreed"),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == FieldworkEvent.Status.AGREED
    response = client.post(
        url("fieldworkevent_cancel", inspection, event_pk=event.pk), {"reason": "Illness"}
    )
    event.refresh_from_db()
    assert event.status == FieldworkEvent.Status.CANCELLED
    assert AuditEvent.objects.get(action="fieldwork_event_cancelled").detail == "Illness"
    with pytest.raises(ApplicationError, match="cancelled"):
        services.fieldwork_event_update(event=event, place="Elsewhere", by=inspection.lead)


def test_event_of_another_inspection_is_404(client, inspection):
    other = make_inspection("inverclyde")
    event = services.fieldwork_event_create(
        inspection=other,
        kind=FieldworkEvent.Kind.READING_SESSION,
        date=dt.date(2019, 11, 5),
        is_remote=True,
        by=other.lead,
    )
    login(client, inspection.lead)
    response = client.get(url("fieldworkevent_update", inspection, event_pk=event.pk))
    assert response.status_code == 404


# --- Self-evaluation -----------------------------------------------------------------------------


def qi(inspection, code: str) -> QualityIndicator:
    return QualityIndicator.objects.get(framework=inspection.activity.framework, code=code)


def test_contact_saves_grade_and_narrative_audited(client, inspection):
    contact = person(Role.AUTHORITY_CONTACT)
    login(client, contact)
    update = url("selfassessment_update", inspection, code="5.2")
    page = client.get(update).content.decode()
    assert "4 – Good" in page
    assert "Important strengths, with some areas for improvement" in page

    response = client.post(update, {"grade": "4", "narrative": "Risk assessments are timely."})
    assert response.status_code == 302
    response = client.post(update, {"grade": "5", "narrative": "Risk assessments are timely."})
    assessment = SelfAssessment.objects.get()
    assert (assessment.grade, assessment.updated_by) == (5, contact)
    events = AuditEvent.objects.filter(action="self_assessment_saved").order_by("pk")
    assert [(e.old_value["grade"], e.new_value["grade"]) for e in events] == [(None, 4), (4, 5)]
    assert events[1].actor == contact


def test_narrative_html_is_shown_as_text(client, inspection):
    contact = person(Role.AUTHORITY_CONTACT)
    services.self_assessment_save(
        inspection=inspection,
        qi=qi(inspection, "1.1"),
        grade=3,
        narrative="<script>alert('x')</script>\n\n- first point",
        by=contact,
    )
    login(client, inspection.lead)
    page = client.get(url("selfassessment_list", inspection)).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert '<ul class="govuk-list govuk-list--bullet">' in page
    assert "3 – Adequate" in page


def test_self_evaluation_of_a_qi_out_of_scope_is_refused(inspection):
    with pytest.raises(ApplicationError, match="not one of the QIs"):
        services.self_assessment_save(
            inspection=inspection, qi=qi(inspection, "6.2"), grade=4, narrative="", by=None
        )


def test_self_evaluation_closes_when_evaluation_starts(client, inspection):
    Inspection.objects.filter(pk=inspection.pk).update(status=S.EVALUATION)
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        services.self_assessment_save(
            inspection=inspection, qi=qi(inspection, "1.1"), grade=4, narrative="", by=None
        )


def test_who_reads_and_who_writes_the_self_evaluation(client, inspection):
    update = url("selfassessment_update", inspection, code="1.1")
    login(client, inspection.lead)
    assert client.get(url("selfassessment_list", inspection)).status_code == 200
    assert client.get(update).status_code == 403
    co_reader = assign(person(Role.LOCAL_COORDINATOR), "local_co_reader", inspection)
    co_reader.memberships.update(is_active=False)
    co_reader.refresh_from_db()
    login(client, co_reader)
    assert client.get(url("selfassessment_list", inspection)).status_code == 403


def test_document_upload_and_download_permissions(client, inspection):
    contact = person(Role.AUTHORITY_CONTACT)
    login(client, contact)
    response = client.post(
        url("selfassessment_upload", inspection),
        {"file": SimpleUploadedFile("Self-evaluation.pdf", PDF)},
    )
    assert response.status_code == 302
    document = selectors.self_evaluation_documents(inspection=inspection).get()
    assert document.owner == inspection
    download = reverse("core:file_download", kwargs={"pk": document.pk})
    assert download in client.get(url("selfassessment_list", inspection)).content.decode()

    login(client, inspection.lead)
    assert client.get(download).status_code == 200
    visitor = assign(person(Role.AUTHORITY_CONTACT, "inverclyde"), "associate_assessor", inspection)
    login(client, visitor)
    assert client.get(download).status_code == 200
    login(client, person(Role.AUTHORITY_CONTACT, "inverclyde"))
    assert client.get(download).status_code == 404


def test_refused_upload_shows_the_reason(client, inspection):
    login(client, person(Role.AUTHORITY_CONTACT))
    response = client.post(
        url("selfassessment_upload", inspection),
        {"file": SimpleUploadedFile("notes.pdf", b"MZ\x90\x00" + bytes(60))},
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not selectors.self_evaluation_documents(inspection=inspection).exists()


def test_inspectors_cannot_upload_the_authoritys_documents(client, inspection):
    login(client, inspection.lead)
    response = client.post(
        url("selfassessment_upload", inspection),
        {"file": SimpleUploadedFile("Self-evaluation.pdf", PDF)},
    )
    assert response.status_code == 403


def test_qis_page_saves_for_the_lead_and_is_read_only_for_others(client, inspection):
    qis = {
        q.code: q.pk
        for q in QualityIndicator.objects.filter(framework=inspection.activity.framework)
    }
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    login(client, inspector)
    assert "checkbox" not in client.get(url("inspection_qis", inspection)).content.decode()
    data = {"reported": [qis["1.1"], qis["2.1"]], "evaluated": [qis["2.1"]]}
    assert client.post(url("inspection_qis", inspection), data).status_code == 403

    login(client, inspection.lead)
    response = client.post(url("inspection_qis", inspection), {**data, "evaluated": [qis["5.2"]]})
    assert "A QI can be evaluated only if the inspection reports on it: 5.2." in (
        response.content.decode()
    )
    assert client.post(url("inspection_qis", inspection), data).status_code == 302
    assert [r.quality_indicator.code for r in inspection.qis.filter(evaluated=True)] == ["2.1"]
