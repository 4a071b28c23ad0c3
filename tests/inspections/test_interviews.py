"""Interviews with people on orders, and focus group outcomes: services, selectors and pages."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import selectors, services
from inspections.models import FieldworkEvent, Interview, InterviewAnswer
from inspections.services.interviews import (
    INTERVIEW_DATE_IN_FUTURE,
    OUTCOME_CANCELLED,
    OUTCOME_COUNT_INVALID,
    OUTCOME_NO_PARTICIPANTS,
    OUTCOME_UNKNOWN_CATEGORY,
    PSEUDONYM_FORMAT,
    PSEUDONYM_IDENTIFIER,
    PSEUDONYM_NO_DIGIT,
    PSEUDONYM_TAKEN,
)
from qi_framework.instruments.evaluation import CHOICE_ERROR, RATING_ERROR
from tests.factories import login, person
from tests.inspections.factories import assign

DATE = dt.date(2019, 2, 14)
FULL = {
    "consent_given": "yes",
    "requirement_type": "supervision",
    "understood_order": "yes",
    "staff_relationship": "5",
    "helped": ["worker_relationship", "practical_help"],
    "helped_detail": "My worker helped me find a flat.",
    "barriers": "Bus fares",
}


def record(inspection, answers=None, **kwargs):
    return services.interview_record(
        activity=inspection.activity,
        date=kwargs.pop("date", DATE),
        answers=FULL if answers is None else answers,
        by=kwargs.pop("by", inspection.lead),
        **kwargs,
    )


def errors_of(excinfo) -> dict:
    return dict(excinfo.value.extra["errors"])


# --- Services --------------------------------------------------------------------------------


def test_record_stores_typed_answers_and_audits(inspection):
    interview = record(inspection)
    assert interview.pseudonym == "P-001"
    values = {a.question.code: a.value for a in interview.answers.select_related("question")}
    assert values["staff_relationship"] == 5
    assert values["helped"] == ["worker_relationship", "practical_help"]
    assert values["requirement_type"] == "supervision"
    event = AuditEvent.objects.get(action="interview_recorded")
    assert event.actor == inspection.lead
    assert event.new_value["answers"]["staff_relationship"] == 5
    assert event.new_value["answers"]["consent_given"] == "yes"


def test_automatic_pseudonyms_count_up_per_activity(inspection):
    assert [record(inspection).pseudonym for _ in range(3)] == ["P-001", "P-002", "P-003"]
    record(inspection, pseudonym="P-010")
    assert record(inspection).pseudonym == "P-011"


@pytest.mark.parametrize(
    "pseudonym, message",
    [
        ("John Smith", PSEUDONYM_FORMAT),
        ("JohnSmith", PSEUDONYM_NO_DIGIT),
        ("P_001", PSEUDONYM_FORMAT),
        ("P-0000000000000001", PSEUDONYM_FORMAT),
        ("1234567890", PSEUDONYM_IDENTIFIER),
        ("<b>7</b>", PSEUDONYM_FORMAT),
    ],
)
def test_pseudonym_refuses_names_and_identifiers(inspection, pseudonym, message):
    with pytest.raises(ApplicationError) as excinfo:
        record(inspection, pseudonym=pseudonym)
    assert errors_of(excinfo)["pseudonym"] == message
    assert not Interview.objects.exists()


def test_pseudonym_unique_within_activity(inspection):
    record(inspection, pseudonym="WD-7")
    with pytest.raises(ApplicationError) as excinfo:
        record(inspection, pseudonym="wd-7")
    assert errors_of(excinfo)["pseudonym"] == PSEUDONYM_TAKEN.format(pseudonym="wd-7")


def test_invalid_answers_refused_all_or_nothing(inspection):
    answers = {**FULL, "staff_relationship": "9", "requirement_type": "prison"}
    with pytest.raises(ApplicationError) as excinfo:
        record(inspection, answers=answers)
    errors = errors_of(excinfo)
    assert errors["staff_relationship"] == RATING_ERROR
    assert errors["requirement_type"] == CHOICE_ERROR
    assert not Interview.objects.exists()
    assert not InterviewAnswer.objects.exists()


def test_required_questions_and_date(inspection):
    with pytest.raises(ApplicationError) as excinfo:
        record(inspection, answers={"consent_given": "yes"}, date=dt.date.today() + dt.timedelta(1))
    errors = errors_of(excinfo)
    assert errors["date"] == INTERVIEW_DATE_IN_FUTURE
    assert {"requirement_type", "staff_relationship"} <= set(errors)
    with pytest.raises(ApplicationError) as excinfo:
        record(inspection, answers={})
    assert "consent_given" in errors_of(excinfo)


def test_consent_refused_keeps_only_consent(inspection):
    interview = record(inspection, answers={**FULL, "consent_given": "no"})
    codes = list(interview.answers.values_list("question__code", flat=True))
    assert codes == ["consent_given"]
    event = AuditEvent.objects.get(action="interview_recorded")
    assert event.new_value["answers"] == {"consent_given": "no"}


def test_update_changes_answers_and_audits_old_and_new(inspection):
    interview = record(inspection)
    services.interview_update(
        interview=interview,
        answers={**FULL, "staff_relationship": "3", "barriers": ""},
        by=inspection.lead,
    )
    values = {a.question.code: a.value for a in interview.answers.select_related("question")}
    assert values["staff_relationship"] == 3
    assert "barriers" not in values
    event = AuditEvent.objects.get(action="interview_changed")
    assert event.old_value["answers"] == {"barriers": "Bus fares", "staff_relationship": 5}
    assert event.new_value["answers"] == {"barriers": None, "staff_relationship": 3}


def test_update_to_no_consent_removes_other_answers(inspection):
    interview = record(inspection)
    services.interview_update(
        interview=interview, answers={**FULL, "consent_given": "no"}, by=inspection.lead
    )
    assert list(interview.answers.values_list("question__code", flat=True)) == ["consent_given"]


def test_counts_and_people_met(inspection):
    record(inspection)
    record(inspection, answers={**FULL, "requirement_type": "unpaid_work"})
    record(inspection, answers={**FULL, "requirement_type": "both"})
    record(inspection, answers={**FULL, "requirement_type": "unpaid_work"})
    record(inspection, answers={"consent_given": "no"})
    counts = selectors.interview_counts(activity=inspection.activity)
    assert counts.recorded == 5
    assert counts.consented == 4
    assert counts.declined == 1
    assert counts.by_requirement == [
        ("Supervision", 1),
        ("Unpaid work", 2),
        ("Supervision and unpaid work", 1),
    ]
    assert selectors.people_met_total(activities=[inspection.activity]) == 4


def make_event(inspection, kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP, **kwargs):
    return FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=kind,
        date=kwargs.pop("date", DATE),
        status=kwargs.pop("status", FieldworkEvent.Status.AGREED),
        **kwargs,
    )


def test_record_outcome_marks_completed_and_summarises(inspection):
    event = make_event(inspection)
    make_event(inspection, kind=FieldworkEvent.Kind.SENIOR_MANAGERS)
    services.fieldwork_event_record_outcome(
        event=event,
        participants={"justice_staff": "7", "team_leaders": "2", "partner_agencies": ""},
        notes="Staff valued peer support.",
        by=inspection.lead,
    )
    event.refresh_from_db()
    assert event.status == FieldworkEvent.Status.COMPLETED
    assert event.participants == {"justice_staff": 7, "team_leaders": 2}
    assert AuditEvent.objects.filter(action="fieldwork_outcome_recorded").count() == 1
    rows = {row.kind: row for row in selectors.focus_group_summary(activity=inspection.activity)}
    assert rows["staff_focus_group"].participants == 9
    assert rows["staff_focus_group"].by_category == [
        ("Justice social work staff", 7),
        ("Team leaders and first-line managers", 2),
    ]
    assert rows["senior_managers"].events == 0
    assert rows["senior_managers"].planned == 1


@pytest.mark.parametrize(
    "participants, field, message",
    [
        (
            {"justice_staff": "-1"},
            "justice_staff",
            OUTCOME_COUNT_INVALID.format(label="justice social work staff"),
        ),
        (
            {"justice_staff": "six"},
            "justice_staff",
            OUTCOME_COUNT_INVALID.format(label="justice social work staff"),
        ),
        ({"prisoners": "3"}, "prisoners", OUTCOME_UNKNOWN_CATEGORY.format(category="prisoners")),
        ({"justice_staff": "0"}, None, OUTCOME_NO_PARTICIPANTS),
    ],
)
def test_record_outcome_refuses_bad_counts(inspection, participants, field, message):
    event = make_event(inspection)
    with pytest.raises(ApplicationError) as excinfo:
        services.fieldwork_event_record_outcome(
            event=event, participants=participants, notes="", by=inspection.lead
        )
    errors = errors_of(excinfo)
    assert errors[field] == message
    event.refresh_from_db()
    assert event.status == FieldworkEvent.Status.AGREED


def test_record_outcome_refuses_cancelled_event(inspection):
    event = make_event(inspection, status=FieldworkEvent.Status.CANCELLED)
    with pytest.raises(ApplicationError, match=OUTCOME_CANCELLED):
        services.fieldwork_event_record_outcome(
            event=event, participants={"justice_staff": 3}, notes="", by=inspection.lead
        )


# --- Pages -----------------------------------------------------------------------------------


def form_data(answers: dict, date=DATE, pseudonym="") -> dict:
    data = {
        "date_0": str(date.day),
        "date_1": str(date.month),
        "date_2": str(date.year),
        "pseudonym": pseudonym,
    }
    for code, value in answers.items():
        data[f"q_{code}"] = value
    return data


def test_inspector_records_interview_through_the_page(client, inspection):
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    login(client, inspector)
    url = reverse("inspections:interview_create", args=[inspection.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Relationships with staff" in page.content.decode()
    response = client.post(url, form_data(FULL))
    interview = Interview.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("inspections:interview_detail", args=[interview.pk])
    assert interview.interviewer == inspector
    listing = client.get(reverse("inspections:interview_list", args=[inspection.pk]))
    assert "P-001" in listing.content.decode()


def test_page_shows_errors_and_keeps_input(client, inspection):
    login(client, inspection.lead)
    url = reverse("inspections:interview_create", args=[inspection.pk])
    response = client.post(url, form_data({**FULL, "staff_relationship": ""}, pseudonym="Bob"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The pseudonym must include a number" in html
    assert "My worker helped me find a flat." in html
    assert not Interview.objects.exists()


def test_typed_html_shown_escaped(client, inspection):
    interview = record(inspection, answers={**FULL, "barriers": "<script>alert(1)</script>"})
    event = make_event(inspection)
    services.fieldwork_event_record_outcome(
        event=event, participants={"justice_staff": 4}, notes="<b>bold</b>", by=inspection.lead
    )
    login(client, inspection.lead)
    html = client.get(reverse("inspections:interview_detail", args=[interview.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client.get(
        reverse("inspections:fieldwork_outcome_update", args=[event.pk])
    ).content.decode()
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_outcome_page_records_participants(client, inspection):
    event = make_event(inspection)
    login(client, inspection.lead)
    url = reverse("inspections:fieldwork_outcome_update", args=[event.pk])
    response = client.post(url, {"justice_staff": "6", "senior_managers": "1", "notes": "Good"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.participants == {"justice_staff": 6, "senior_managers": 1}
    response = client.post(url, {"justice_staff": "many", "notes": ""})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_outsider_gets_404(client, inspection):
    interview = record(inspection)
    event = make_event(inspection)
    outsider = person(Role.INSPECTOR)
    login(client, outsider)
    for url in [
        reverse("inspections:interview_list", args=[inspection.pk]),
        reverse("inspections:interview_create", args=[inspection.pk]),
        reverse("inspections:interview_detail", args=[interview.pk]),
        reverse("inspections:interview_update", args=[interview.pk]),
        reverse("inspections:fieldwork_outcome_update", args=[event.pk]),
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR])
def test_authority_staff_never_see_interviews(client, inspection, role):
    interview = record(inspection)
    event = make_event(inspection)
    login(client, person(role, "west-dunbartonshire"))
    for url in [
        reverse("inspections:interview_list", args=[inspection.pk]),
        reverse("inspections:interview_create", args=[inspection.pk]),
        reverse("inspections:interview_detail", args=[interview.pk]),
        reverse("inspections:interview_update", args=[interview.pk]),
        reverse("inspections:fieldwork_outcome_update", args=[event.pk]),
    ]:
        assert client.get(url).status_code == 403, url


def test_co_reader_may_not_see_interviews_and_associate_may_record(client, inspection):
    interview = record(inspection)
    co_reader = assign(
        person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"), "local_co_reader", inspection
    )
    login(client, co_reader)
    assert (
        client.get(reverse("inspections:interview_detail", args=[interview.pk])).status_code == 403
    )
    associate = assign(
        person(Role.AUTHORITY_CONTACT, "renfrewshire"), "associate_assessor", inspection
    )
    login(client, associate)
    url = reverse("inspections:interview_create", args=[inspection.pk])
    assert client.post(url, form_data(FULL)).status_code == 302
    assert Interview.objects.count() == 2


def test_manager_sees_but_may_not_record(client, inspection):
    record(inspection)
    login(client, person(Role.MANAGER))
    assert (
        client.get(reverse("inspections:interview_list", args=[inspection.pk])).status_code == 200
    )
    assert (
        client.get(reverse("inspections:interview_create", args=[inspection.pk])).status_code == 403
    )


def test_declined_interview_page_says_nothing_else_is_kept(client, inspection):
    interview = record(inspection, answers={**FULL, "consent_given": "no"})
    login(client, inspection.lead)
    html = client.get(reverse("inspections:interview_detail", args=[interview.pk])).content.decode()
    assert "did not agree to take part, so no other answers are kept" in html
    assert "Bus fares" not in html
