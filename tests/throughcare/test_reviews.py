"""Setting up a review: details, QIs and instruments by default, lifecycle, areas and team."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import Assignment, Organisation, Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import Population, ScrutinyActivity
from qi_framework.models import ScrutinyKind
from tests.factories import login, person
from tests.throughcare.factories import make_area, make_population, make_review
from throughcare import services
from throughcare.models import ThematicReview
from throughcare.services import reviews as review_services

pytestmark = pytest.mark.django_db

S = ThematicReview.Status


def date_post(name: str, value: dt.date | None) -> dict:
    if value is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


def activity_kinds(user, activity) -> set[str]:
    ct = ContentType.objects.get_for_model(ScrutinyActivity)
    return set(
        Assignment.objects.filter(
            user=user, target_type=ct, target_id=activity.pk, ended_at__isnull=True
        ).values_list("kind", flat=True)
    )


# --- Set-up --------------------------------------------------------------------------------------


def test_review_considers_the_throughcare_qis_and_instruments_by_default(reference_data):
    review = make_review()
    codes = sorted(review.quality_indicators.values_list("code", flat=True))
    assert codes == ["2.1", "3.1", "5.1", "5.2", "5.3", "6.1", "7.1"]
    assert review.reading_instrument.instrument.code == "throughcare-file-reading"
    assert review.staff_survey_instrument.instrument.code == "throughcare-staff-survey"
    assert review.prison_survey_instrument.instrument.code == "throughcare-prison-survey"
    assert review.interview_instrument.instrument.code == "throughcare-recall-interview"
    assert AuditEvent.objects.filter(action="review_created", object_id=str(review.pk)).exists()


def test_review_dates_are_checked_together(reference_data):
    lead = person(Role.INSPECTOR)
    with pytest.raises(ApplicationError) as error:
        services.review_create(
            title="Throughcare",
            commissioned_by="RRT subgroup",
            focus="Recall",
            starts_on=dt.date(2021, 3, 1),
            fieldwork_start=dt.date(2021, 2, 1),
            by=lead,
        )
    assert error.value.message == review_services.FIELDWORK_BEFORE_START


def test_review_refuses_an_instrument_of_the_wrong_kind(reference_data):
    from qi_framework.instruments import instrument_version_current

    cpo_tool = instrument_version_current(code="cpo-file-reading")
    with pytest.raises(ApplicationError) as error:
        make_review(reading_instrument=cpo_tool)
    assert "throughcare file-reading tool" in error.value.message


def test_inspector_sets_up_a_review_through_the_page(client, reference_data):
    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    page = client.get(reverse("throughcare:review_create"))
    assert page.status_code == 200
    qis = page.context["form"].initial["quality_indicators"]
    data = {
        "title": "Throughcare review 2021",
        "commissioned_by": "RRT subgroup",
        "focus": "Breach and recall",
        "lead": inspector.pk,
        "quality_indicators": [qi.pk for qi in qis],
        **date_post("starts_on", dt.date(2021, 3, 1)),
        **date_post("fieldwork_start", dt.date(2021, 5, 1)),
        **date_post("fieldwork_end", dt.date(2021, 6, 30)),
        **date_post("target_publication", dt.date(2021, 9, 30)),
    }
    response = client.post(reverse("throughcare:review_create"), data)
    review = ThematicReview.objects.get(title="Throughcare review 2021")
    assert response.status_code == 302
    assert response.url == reverse("throughcare:review_detail", args=[review.pk])
    assert review.quality_indicators.count() == 7
    assert inspector.has_perm("throughcare.manage_review", review)


def test_someone_without_the_role_cannot_set_up_a_review(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT, "glasgow-city")
    login(client, contact)
    assert client.get(reverse("throughcare:review_create")).status_code == 403


# --- Lifecycle -----------------------------------------------------------------------------------


def test_review_moves_one_step_at_a_time(reference_data):
    review = make_review()
    with pytest.raises(ApplicationError) as error:
        services.review_transition(review=review, to=S.PUBLISHED, by=review.lead)
    assert error.value.message == "A review cannot move from “Planned” to “Published”."
    review = services.review_transition(review=review, to=S.FIELDWORK, by=review.lead)
    assert review.status == S.FIELDWORK


def test_moving_back_needs_a_reason(reference_data):
    review = make_review(status=S.ANALYSIS)
    with pytest.raises(ApplicationError):
        services.review_transition(review=review, to=S.FIELDWORK, by=review.lead)
    review = services.review_transition(
        review=review, to=S.FIELDWORK, reason="More focus groups", by=review.lead
    )
    assert review.status == S.FIELDWORK
    event = AuditEvent.objects.get(action="review_status_changed", object_id=str(review.pk))
    assert event.detail == "More focus groups"


def test_publishing_records_the_date(reference_data):
    review = make_review(status=S.REPORTING)
    review = services.review_transition(review=review, to=S.PUBLISHED, by=review.lead)
    assert review.published_on == dt.date.today()


def test_lead_moves_the_review_from_its_home_page(client, reference_data):
    review = make_review()
    login(client, review.lead)
    page = client.get(reverse("throughcare:review_detail", args=[review.pk]))
    assert "Start fieldwork" in page.content.decode()
    client.post(reverse("throughcare:review_transition", args=[review.pk]), {"to": S.FIELDWORK})
    review.refresh_from_db()
    assert review.status == S.FIELDWORK


def test_publishing_goes_through_the_national_report_page_not_a_bare_move(client, reference_data):
    review = make_review(status=S.REPORTING)
    login(client, review.lead)
    page = client.get(reverse("throughcare:review_detail", args=[review.pk])).content.decode()
    assert "Publish the national report" in page
    assert reverse("throughcare:output_national", args=[review.pk]) in page
    client.post(reverse("throughcare:review_transition", args=[review.pk]), {"to": S.PUBLISHED})
    review.refresh_from_db()
    assert review.status == S.REPORTING


def test_review_inspector_cannot_move_or_edit_the_review(client, reference_data):
    inspector = person(Role.INSPECTOR)
    review = make_review(inspectors=(inspector,))
    login(client, inspector)
    response = client.post(
        reverse("throughcare:review_transition", args=[review.pk]), {"to": S.FIELDWORK}
    )
    assert response.status_code == 403
    assert client.get(reverse("throughcare:review_update", args=[review.pk])).status_code == 403
    review.refresh_from_db()
    assert review.status == S.PLANNED


# --- Areas and team ------------------------------------------------------------------------------


def test_adding_an_area_sets_up_its_fieldwork_with_the_team_on_it(reference_data):
    inspector = person(Role.INSPECTOR)
    review = make_review(inspectors=(inspector,))
    area = make_area(review, "glasgow-city", by=review.lead)
    activity = area.activity
    assert activity.scrutiny_kind == ScrutinyKind.THROUGHCARE_REVIEW
    assert activity.population_schema == "throughcare"
    assert activity.reading_instrument == review.reading_instrument
    assert activity.authority.slug == "glasgow-city"
    assert activity_kinds(review.lead, activity) == {"lead_inspector"}
    assert activity_kinds(inspector, activity) == {"inspector"}
    assert inspector.has_perm("inspections.read_records", activity)


def test_an_authority_takes_part_once(reference_data):
    review = make_review(authorities=("glasgow-city",))
    with pytest.raises(ApplicationError) as error:
        make_area(review, "glasgow-city")
    assert error.value.message == "Glasgow City is already taking part in this review."


def test_a_review_inspector_added_later_reads_in_every_area(reference_data):
    review = make_review(authorities=("glasgow-city", "fife"))
    inspector = person(Role.INSPECTOR)
    services.review_team_assign(
        review=review, user=inspector, kind="review_inspector", by=review.lead
    )
    for area in review.test_areas:
        assert activity_kinds(inspector, area.activity) == {"inspector"}
    assignment = Assignment.objects.get(user=inspector, kind="review_inspector")
    services.review_team_remove(review=review, assignment=assignment, by=review.lead)
    for area in review.test_areas:
        assert activity_kinds(inspector, area.activity) == set()


def test_a_review_has_one_lead(reference_data):
    review = make_review()
    with pytest.raises(ApplicationError) as error:
        services.review_team_assign(
            review=review, user=person(Role.INSPECTOR), kind="review_lead", by=review.lead
        )
    assert "is already the review lead" in error.value.message


def test_an_area_with_work_recorded_cannot_be_removed(reference_data):
    review = make_review(authorities=("glasgow-city", "fife"))
    glasgow, fife = review.test_areas
    make_population(glasgow, 10)
    with pytest.raises(ApplicationError) as error:
        services.review_area_remove(area=glasgow, by=review.lead)
    assert "Glasgow City cannot be removed" in error.value.message
    activity_id = fife.activity_id
    services.review_area_remove(area=fife, by=review.lead)
    assert not ScrutinyActivity.objects.filter(pk=activity_id).exists()
    assert Population.objects.filter(activity=glasgow.activity).exists()


def test_lead_adds_an_area_and_an_inspector_on_the_team_page(client, reference_data):
    review = make_review()
    inspector = person(Role.INSPECTOR)
    login(client, review.lead)
    url = reverse("throughcare:review_team", args=[review.pk])
    fife = Organisation.objects.get(slug="fife")
    client.post(url, {"action": "add_area", "authority": fife.pk})
    client.post(url, {"action": "add_inspector", "user": inspector.pk})
    area = review.areas.get()
    assert area.activity.authority == fife
    assert activity_kinds(inspector, area.activity) == {"inspector"}
    page = client.get(url).content.decode()
    assert "Fife" in page and inspector.name in page


# --- Home page -----------------------------------------------------------------------------------


def test_home_page_shows_each_areas_progress(client, reference_data):
    from tests.throughcare.factories import make_sample
    from throughcare.models import AreaMeeting

    review = make_review(authorities=("glasgow-city", "fife"))
    glasgow, fife = review.test_areas
    make_population(glasgow, 30)
    make_sample(glasgow, 6)
    services.position_statement_save(area=fife, strengths="Good links with prisons", by=None)
    AreaMeeting.objects.create(
        area=fife, kind=AreaMeeting.Kind.VERBAL_FEEDBACK, held_on=dt.date(2021, 7, 1), points="x"
    )
    login(client, review.lead)
    response = client.get(reverse("throughcare:review_detail", args=[review.pk]))
    rows = {row.area.activity.authority.slug: row.by_key for row in response.context["progress"]}
    assert rows["glasgow-city"]["population"].state == "30 records"
    assert rows["glasgow-city"]["sample"].state == "6 records"
    assert rows["glasgow-city"]["reading"].state == "0 of 6 read"
    assert rows["glasgow-city"]["position_statement"].state == "Not started"
    assert rows["fife"]["position_statement"].state == "In progress"
    assert rows["fife"]["verbal_feedback"].state == "1 July 2021"
    assert rows["fife"]["follow_up"].state == "Not held"
    assert rows["fife"]["reading"].state == "Cannot start yet"
    html = response.content.decode()
    assert "0 of 6 read" in html and "2.1" in html
    assert reverse("throughcare:area_population", args=[review.pk, glasgow.pk]) in html


def test_reading_progress_counts_submitted_first_readings(client, reference_data):
    from inspections.models import Reading
    from tests.throughcare.factories import make_sample

    review = make_review(authorities=("glasgow-city",))
    (area,) = review.test_areas
    make_population(area, 20)
    sample = make_sample(area, 4)
    for i, record in enumerate(sample.records.all()):
        Reading.objects.create(
            sample_record=record,
            reader=review.lead,
            instrument_version=review.reading_instrument,
            status=Reading.Status.SUBMITTED if i < 3 else Reading.Status.IN_PROGRESS,
        )
    from throughcare import selectors

    (row,) = selectors.review_progress(review=review, areas=[area])
    assert row.by_key["reading"].state == "3 of 4 read"


def test_lead_edits_the_details_and_qis(client, reference_data):
    review = make_review(authorities=("fife",))
    login(client, review.lead)
    qis = list(review.quality_indicators.exclude(code="7.1"))
    response = client.post(
        reverse("throughcare:review_update", args=[review.pk]),
        {
            "title": "Throughcare review (revised)",
            "commissioned_by": review.commissioned_by,
            "focus": review.focus,
            "quality_indicators": [qi.pk for qi in qis],
            "reading_instrument": review.reading_instrument.pk,
            "staff_survey_instrument": review.staff_survey_instrument.pk,
            "prison_survey_instrument": review.prison_survey_instrument.pk,
            "interview_instrument": review.interview_instrument.pk,
            **date_post("starts_on", review.starts_on),
            **date_post("fieldwork_start", None),
            **date_post("fieldwork_end", None),
            **date_post("target_publication", None),
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.title == "Throughcare review (revised)"
    assert "7.1" not in set(review.quality_indicators.values_list("code", flat=True))
    activity = review.areas.get().activity
    assert activity.title == "Throughcare review (revised): Fife"
    assert AuditEvent.objects.filter(action="review_qis_changed").exists()


def test_the_national_report_is_for_the_team_until_published(reference_data):
    review = make_review()
    someone = person(Role.PRACTITIONER, "fife")
    assert not someone.has_perm("throughcare.view_national_report", review)
    assert review.lead.has_perm("throughcare.view_national_report", review)
    review.status = S.PUBLISHED
    assert someone.has_perm("throughcare.view_national_report", review)
