"""One area of a review: position statement, focus groups, meetings, survey numbers, reading
queue, and the review's recommendations and feedback to the commissioners."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import FieldworkEvent, Reading
from tests.factories import login, person
from tests.throughcare.factories import make_population, make_review, make_sample
from throughcare import selectors, services
from throughcare.models import AreaMeeting, ReviewRecommendation, ThematicReview
from throughcare.services import areas as area_services
from throughcare.services import recommendations as rec_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
S = ThematicReview.Status


def date_post(name: str, value: dt.date) -> dict:
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


@pytest.fixture
def review(reference_data):
    return make_review(authorities=("glasgow-city", "fife"))


def url(name: str, area, *extra) -> str:
    return reverse(f"throughcare:{name}", args=[area.review_id, area.pk, *extra])


# --- Position statement --------------------------------------------------------------------------


def test_authority_writes_uploads_and_submits_its_position_statement(client, review):
    glasgow = review.test_areas[0]
    contact = person(Role.AUTHORITY_CONTACT, "glasgow-city")
    login(client, contact)
    response = client.post(
        url("position_statement", glasgow),
        {
            "strengths": "Strong links with prison-based social work",
            "challenges": "Delays in sharing assessments",
            "areas_for_improvement": "Pre-release planning for accommodation",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url("position_statement_upload", glasgow),
        {"file": SimpleUploadedFile("Position statement.pdf", PDF)},
    )
    assert response.status_code == 302
    statement = selectors.position_statement_of(area=glasgow)
    document = selectors.position_statement_documents(statement=statement).get()
    assert document.owner == statement
    client.post(url("position_statement_submit", glasgow))
    statement.refresh_from_db()
    assert statement.submitted_by == contact
    assert statement.strengths == "Strong links with prison-based social work"

    # Once submitted, it cannot be changed.
    client.post(url("position_statement", glasgow), {"strengths": "Changed"})
    statement.refresh_from_db()
    assert statement.strengths == "Strong links with prison-based social work"
    page = client.get(url("position_statement", glasgow)).content.decode()
    assert "Submitted on" in page and "Submit the position statement" not in page

    # The review team can download the document and marks the statement reviewed.
    login(client, review.lead)
    download = reverse("core:file_download", kwargs={"pk": document.pk})
    assert client.get(download).status_code == 200
    client.post(url("position_statement_review", glasgow), {"notes": "Clear and candid."})
    statement.refresh_from_db()
    assert statement.reviewed_by == review.lead
    assert statement.review_notes == "Clear and candid."
    (row, _) = selectors.review_progress(review=review, areas=review.test_areas)
    assert row.by_key["position_statement"].state == "Reviewed"


def test_an_empty_position_statement_cannot_be_submitted(review):
    glasgow = review.test_areas[0]
    with pytest.raises(ApplicationError) as error:
        services.position_statement_submit(area=glasgow, by=None)
    assert error.value.message == area_services.STATEMENT_EMPTY


def test_a_statement_is_reviewed_only_once_submitted(review):
    glasgow = review.test_areas[0]
    services.position_statement_save(area=glasgow, strengths="x", by=None)
    with pytest.raises(ApplicationError) as error:
        services.position_statement_review(area=glasgow, by=review.lead)
    assert error.value.message == area_services.STATEMENT_NOT_SUBMITTED


def test_inspectors_do_not_write_the_authoritys_statement(client, review):
    login(client, review.lead)
    glasgow = review.test_areas[0]
    response = client.post(url("position_statement", glasgow), {"strengths": "Ours"})
    assert response.status_code == 403
    assert selectors.position_statement_of(area=glasgow) is None


# --- Focus groups and meetings -------------------------------------------------------------------


def test_review_team_adds_a_virtual_focus_group(client, review):
    glasgow = review.test_areas[0]
    login(client, review.lead)
    response = client.post(
        url("area_focus_groups", glasgow),
        {**date_post("date", dt.date(2021, 6, 14)), "status": "agreed", "start_time": "10:00"},
    )
    assert response.status_code == 302
    event = FieldworkEvent.objects.get(activity=glasgow.activity)
    assert event.kind == FieldworkEvent.Kind.STAFF_FOCUS_GROUP
    assert event.is_remote
    assert "Virtual" in client.get(url("area_focus_groups", glasgow)).content.decode()
    (row, _) = selectors.review_progress(review=review, areas=review.test_areas)
    assert row.by_key["focus_groups"].state == "0 of 1 held"


def test_verbal_feedback_and_follow_up_are_recorded(client, review):
    glasgow = review.test_areas[0]
    login(client, review.lead)
    client.post(
        url("area_meetings", glasgow),
        {
            "kind": "verbal_feedback",
            **date_post("held_on", dt.date(2021, 7, 20)),
            "attendees": "Head of service, team leaders",
            "points": "Pre-release planning was strong for accommodation.",
        },
    )
    meeting = AreaMeeting.objects.get(area=glasgow)
    assert meeting.recorded_by == review.lead
    page = client.get(url("area_meetings", glasgow)).content.decode()
    assert "Pre-release planning was strong for accommodation." in page
    # The follow-up cannot come before the feedback.
    with pytest.raises(ApplicationError) as error:
        services.area_meeting_create(
            area=glasgow,
            kind="follow_up",
            held_on=dt.date(2021, 7, 1),
            points="Improvement plan",
            by=review.lead,
        )
    assert error.value.message == area_services.FOLLOW_UP_BEFORE_FEEDBACK
    response = client.post(
        url("area_meeting_update", glasgow, meeting.pk),
        {
            "kind": "verbal_feedback",
            **date_post("held_on", dt.date(2021, 7, 21)),
            "points": "Corrected date.",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.held_on == dt.date(2021, 7, 21)
    assert AuditEvent.objects.filter(action="area_meeting_updated").exists()


def test_a_meeting_in_the_future_is_refused(review):
    with pytest.raises(ApplicationError) as error:
        services.area_meeting_create(
            area=review.test_areas[0],
            kind="verbal_feedback",
            held_on=dt.date.today() + dt.timedelta(days=3),
            points="Not yet",
            by=review.lead,
        )
    assert error.value.message == area_services.HELD_IN_FUTURE


def test_staff_survey_population_shows_beside_the_response_count(client, review):
    glasgow = review.test_areas[0]
    login(client, review.lead)
    client.post(url("area_survey_population", glasgow), {"staff_survey_population": "48"})
    glasgow.refresh_from_db()
    assert glasgow.staff_survey_population == 48
    (row, _) = selectors.review_progress(review=review, areas=review.test_areas)
    assert row.by_key["staff_survey"].state == "0 responses of 48"


# --- Reading -------------------------------------------------------------------------------------


def test_reader_sees_their_records_in_the_area_and_opens_the_shared_reading_page(client, review):
    glasgow = review.test_areas[0]
    make_population(glasgow, 20)
    sample = make_sample(glasgow, 3)
    reading = Reading.objects.create(
        sample_record=sample.records.first(),
        reader=review.lead,
        instrument_version=review.reading_instrument,
    )
    login(client, review.lead)
    page = client.get(url("area_readings", glasgow))
    assert page.status_code == 200
    assert reverse("inspections:reading_update", args=[reading.pk]) in page.content.decode()
    assert client.get(reverse("inspections:reading_update", args=[reading.pk])).status_code == 200


def test_area_page_lists_the_steps(client, review):
    glasgow = review.test_areas[0]
    login(client, review.lead)
    page = client.get(url("area_detail", glasgow)).content.decode()
    for name in ("Position statement", "Population", "Sample", "Record reading", "Focus groups"):
        assert name in page
    assert "govuk-task-list" in page


# --- Recommendations and feedback ----------------------------------------------------------------


def test_recommendations_are_written_ordered_and_fixed_on_publication(client, review):
    qi = review.quality_indicators.get(code="7.1")
    first = services.recommendation_create(
        review=review,
        text="Develop a learning pathway for throughcare staff.",
        owner="Social Work Scotland",
        quality_indicators=[qi],
        by=review.lead,
    )
    second = services.recommendation_create(
        review=review, text="Improve the LS/CMI process.", by=review.lead
    )
    login(client, review.lead)
    client.post(reverse("throughcare:recommendation_move", args=[review.pk, second.pk, "up"]))
    order = list(selectors.recommendation_list(review=review).values_list("pk", flat=True))
    assert order == [second.pk, first.pk]
    with pytest.raises(ApplicationError) as error:
        services.recommendation_track(
            recommendation=first, status="in_progress", text="Started", by=review.lead
        )
    assert error.value.message == rec_services.NOT_PUBLISHED_YET

    ThematicReview.objects.filter(pk=review.pk).update(status=S.PUBLISHED)
    review.refresh_from_db()
    first.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.recommendation_update(recommendation=first, text="Reworded", by=review.lead)
    response = client.post(
        reverse("throughcare:recommendation_track", args=[review.pk, first.pk]),
        {"status": "in_progress", "text": "Pathway drafted with SWS."},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == ReviewRecommendation.Status.IN_PROGRESS
    page = client.get(reverse("throughcare:recommendation_list", args=[review.pk]))
    html = page.content.decode()
    assert "Pathway drafted with SWS." in html and "Social Work Scotland" in html


def test_recommendation_qis_must_be_ones_the_review_considers(review):
    from qi_framework.models import QualityIndicator

    other = QualityIndicator.objects.filter(framework=review.framework, code="9.4").first()
    with pytest.raises(ApplicationError) as error:
        services.recommendation_create(
            review=review, text="x", quality_indicators=[other], by=review.lead
        )
    assert error.value.message == rec_services.QI_NOT_CONSIDERED


def test_feedback_to_the_commissioners_is_recorded(client, review):
    login(client, review.lead)
    response = client.post(
        reverse("throughcare:subgroup_feedback_create", args=[review.pk]),
        {**date_post("held_on", dt.date(2021, 9, 30)), "points": "Findings presented to RRT."},
    )
    assert response.status_code == 302
    assert (
        "Findings presented to RRT."
        in client.get(reverse("throughcare:recommendation_list", args=[review.pk])).content.decode()
    )


# --- Double reading and moderation ---------------------------------------------------------------


def test_lead_moderates_a_disagreement_in_an_area(client, review):
    from inspections.models import Answer, ModeratedAnswer
    from qi_framework.instruments import questions_of

    glasgow = review.test_areas[0]
    inspector = person(Role.INSPECTOR)
    services.review_team_assign(
        review=review, user=inspector, kind="review_inspector", by=review.lead
    )
    make_population(glasgow, 20)
    sample = make_sample(glasgow, 3)
    record = sample.records.first()
    record.double_read = True
    record.save(update_fields=["double_read"])
    question = next(q for q in questions_of(review.reading_instrument) if q.code == "hbr_present")
    for reader, value, order in ((review.lead, "yes", 1), (inspector, "no", 2)):
        reading = Reading.objects.create(
            sample_record=record,
            reader=reader,
            order=order,
            instrument_version=review.reading_instrument,
            status=Reading.Status.SUBMITTED,
        )
        answer = Answer(reading=reading, version=1, updated_by=reader)
        answer.set_value(question, value)
        answer.save()
    login(client, review.lead)
    page = client.get(url("area_moderation", glasgow))
    assert page.status_code == 200
    (discrepancy,) = [d for d in page.context["discrepancies"] if d.question.code == "hbr_present"]
    moderate = url("area_moderation_record", glasgow, record.pk, "hbr_present")
    assert moderate in page.content.decode()
    assert client.post(moderate, {"hbr_present": "yes"}).status_code == 200  # no reason
    response = client.post(
        moderate, {"hbr_present": "yes", "reason": "The home background report is on file."}
    )
    assert response.status_code == 302
    moderated = ModeratedAnswer.objects.get(sample_record=record, question=question)
    assert moderated.reason == "The home background report is on file."

    # A review inspector sees the disagreements but does not moderate.
    login(client, inspector)
    assert client.get(url("area_moderation", glasgow)).status_code == 200
    assert client.get(moderate).status_code == 403
    # A local co-reader sees neither.
    co_reader = person(Role.PRACTITIONER, "glasgow-city")
    services.area_co_reader_assign(area=glasgow, user=co_reader, by=review.lead)
    login(client, co_reader)
    assert client.get(url("area_moderation", glasgow)).status_code == 403
