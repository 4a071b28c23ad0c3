"""Retention of a thematic review's recall interviews (issue 9, ADR 0011).

Recall interviews are questionnaire-engine responses through the review's internal interview
link, not rows of an area's activity: they go with the review's first area to be deleted, a
dry run lists them once (under the area a run deletes first), and the review's anonymous staff
and prison survey responses are kept.

The data set: a review published 800 days ago (due) with areas in Glasgow and West
Dunbartonshire, two recall interviews, a staff survey response, an online and a paper prison
survey response; another review published 100 days ago (not due) with one recall interview.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import ScrutinyActivity
from qi_framework.models import FormToken, Response, ResponseAnswer, ResponseLink
from qi_framework.responses import form_token_issue, response_link_open, response_submit
from retention import services as retention
from retention.models import RetentionRun
from tests.factories import login, person
from tests.throughcare.factories import make_review
from tests.throughcare.test_interviews import INTERVIEW
from tests.throughcare.test_surveys import PRISON_ANSWERS, STAFF_ANSWERS
from throughcare import services
from throughcare.models import ThematicReview, ThemeTag
from throughcare.selectors.surveys import INTERVIEW_LINK_LABEL
from throughcare.services.interviews import RECALL_INTERVIEWS_DELETED

pytestmark = pytest.mark.django_db

ENTERED = "throughcare_interview_response_entered"


def record(review, answers=INTERVIEW) -> Response:
    _, token = services.recall_interview_form_open(review=review, by=review.lead)
    return services.recall_interview_record(
        review=review, answers=answers, form_token=token, by=review.lead
    )


def submit(raw_token: str, answers) -> Response:
    link = response_link_open(raw_token=raw_token)
    return response_submit(
        raw_token=raw_token, answers=answers, form_token=form_token_issue(link=link)
    )


def publish(review, *, days_ago: int) -> None:
    ThematicReview.objects.filter(pk=review.pk).update(
        published_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )


def interview_links(review):
    return ResponseLink.objects.filter(
        subject_type=ContentType.objects.get_for_model(ThematicReview),
        subject_id=review.pk,
        label=INTERVIEW_LINK_LABEL,
    )


def recall_rows(review) -> tuple[int, int]:
    responses = Response.objects.filter(link__in=interview_links(review))
    return responses.count(), ResponseAnswer.objects.filter(response__in=responses).count()


@pytest.fixture
def world(reference_data):
    due = make_review("Due review", authorities=("glasgow-city", "west-dunbartonshire"))
    glasgow = due.test_areas[0]
    due.interviews = [record(due), record(due, INTERVIEW | {"consent_given": "no"})]
    _, raw = services.staff_survey_link_create(area=glasgow, by=due.lead)
    due.staff = submit(raw, STAFF_ANSWERS)
    _, raw = services.prison_survey_link_create(review=due, by=due.lead)
    due.prison = submit(raw, PRISON_ANSWERS)
    _, token = services.paper_form_open(review=due, by=due.lead)
    due.paper = services.paper_response_submit(
        review=due, answers=PRISON_ANSWERS, form_token=token, by=due.lead
    )
    # A theme tag on an interview's free-text answer goes with the answer.
    theme = services.theme_create(review=due, name="Housing", by=due.lead)
    answer = due.interviews[0].answers.get(question__code="could_have_helped")
    ThemeTag.objects.create(theme=theme, answer=answer, tagged_by=due.lead)
    publish(due, days_ago=800)
    kept = make_review("Kept review", authorities=("fife",))
    kept.interviews = [record(kept)]
    publish(kept, days_ago=100)
    return {"due": due, "kept": kept}


def first_and_second(review) -> tuple[int, int]:
    first, second = sorted(area.activity_id for area in review.test_areas)
    return first, second


def delete_after_notice():
    dry = retention.retention_dry_run()
    RetentionRun.objects.filter(pk=dry.pk).update(started_at=dry.started_at - dt.timedelta(days=8))
    return retention.retention_delete()


# --- The dry run --------------------------------------------------------------------------------


def test_the_dry_run_counts_the_recall_interviews_once_and_deletes_nothing(world):
    due = world["due"]
    interviews, answers = recall_rows(due)
    assert interviews == 2 and answers > interviews
    first, second = first_and_second(due)

    run = retention.retention_dry_run()

    counts = {e["activity"]: e["counts"] for e in run.activities}
    assert set(counts) == {first, second}  # the kept review is not due
    # Listed under the area a run deletes first, never twice.
    assert counts[first]["recall_interviews"] == 2
    assert counts[first]["recall_interview_answers"] == answers
    assert counts[second]["recall_interviews"] == 0
    assert counts[second]["recall_interview_answers"] == 0
    assert run.totals["recall_interviews"] == 2
    assert run.totals["recall_interview_answers"] == answers
    # The entries recording who typed each interview in are to be redacted.
    assert counts[first]["audit_entries"] == 2
    assert recall_rows(due) == (interviews, answers)


def test_the_runs_page_shows_the_recall_interview_counts(client, world):
    run = retention.retention_dry_run()
    login(client, person(Role.MANAGER))
    text = client.get(reverse("retention:run_detail", args=[run.pk])).content.decode()
    assert "Recall interviews: 2" in text
    assert "Recall interview answers" in text
    assert "recall interviews" in client.get(reverse("retention:run_list")).content.decode()


# --- Deletion -----------------------------------------------------------------------------------


def test_deletion_removes_the_due_reviews_recall_interviews_and_keeps_the_surveys(world):
    due, kept = world["due"], world["kept"]
    _, answers = recall_rows(due)
    kept_before = recall_rows(kept)
    first, second = first_and_second(due)
    links = list(interview_links(due).values_list("pk", flat=True))

    run = delete_after_notice()

    assert run.outcome == RetentionRun.Outcome.COMPLETED
    assert set(run.report["activity_ids"]) == {first, second}
    assert recall_rows(due) == (0, 0)
    # The internal link served only the interviews: it goes, with its form tokens.
    assert not ResponseLink.objects.filter(pk__in=links).exists()
    assert not FormToken.objects.filter(link_id__in=links).exists()
    assert not ThemeTag.objects.filter(theme__review=due).exists()
    # Counted once, under the area deleted first.
    counts = {e["activity"]: e["counts"] for e in run.activities}
    assert counts[first]["recall_interviews"] == 2
    assert counts[second]["recall_interviews"] == 0
    assert run.totals["recall_interview_answers"] == answers
    # Another review's interviews, and the anonymous surveys, are kept.
    assert recall_rows(kept) == kept_before
    assert Response.objects.filter(pk__in=[due.staff.pk, due.prison.pk, due.paper.pk]).count() == 3
    assert due.paper.answers.count() == due.prison.answers.count() > 0
    # Who recorded each interview, and when, stays; the entry's values are redacted.
    entries = AuditEvent.objects.filter(
        action=ENTERED, object_id__in=[str(r.pk) for r in due.interviews]
    )
    assert entries.count() == 2
    for entry in entries:
        assert entry.actor == due.lead
        assert "retention policy" in entry.new_value["redacted"]
    other = AuditEvent.objects.get(action=ENTERED, object_id=str(kept.interviews[0].pk))
    assert other.new_value == {"review": kept.pk}
    deleted = AuditEvent.objects.get(action="retention_deleted", object_id=str(first))
    assert deleted.new_value["counts"]["recall_interviews"] == 2


def test_if_the_first_area_fails_the_next_area_takes_the_interviews(world, monkeypatch):
    """All or nothing per activity: the failed area keeps everything of its own, and the
    interviews go with the area that is deleted first."""
    due = world["due"]
    first, second = first_and_second(due)
    real = retention._delete_population_file

    def failing(activity):
        if activity.pk == first:
            raise RuntimeError("disk full")
        real(activity)

    monkeypatch.setattr(retention, "_delete_population_file", failing)

    run = delete_after_notice()

    status = {e["activity"]: e["status"] for e in run.activities}
    assert status == {first: retention.STATUS_FAILED, second: retention.STATUS_DELETED}
    assert ScrutinyActivity.objects.get(pk=first).record_data_deleted_at is None
    assert recall_rows(due) == (0, 0)
    assert run.totals["recall_interviews"] == 2


def test_interviews_recorded_by_mistake_after_deletion_go_with_the_next_area(world):
    """The refusal is the rule; should an interview exist anyway (say, recorded while only one
    area had been deleted), the review's next area to be deleted takes it."""
    due = world["due"]
    first, second = first_and_second(due)
    ScrutinyActivity.objects.filter(pk=first).update(record_data_deleted_at=timezone.now())
    dry = retention.retention_dry_run()
    assert [e["counts"]["recall_interviews"] for e in dry.activities] == [2]  # second only
    RetentionRun.objects.filter(pk=dry.pk).update(started_at=dry.started_at - dt.timedelta(days=8))
    retention.retention_delete()
    assert recall_rows(due) == (0, 0)


# --- Pages and recording after deletion ---------------------------------------------------------


def test_the_interview_pages_say_the_data_was_deleted(client, world):
    due, kept = world["due"], world["kept"]
    delete_after_notice()
    login(client, due.lead)
    for url in (
        reverse("throughcare:interview_list", args=[due.pk]),
        reverse("throughcare:interview_detail", args=[due.pk, due.interviews[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "Record-level data for this review was deleted on" in text, url
        assert "Record an interview" not in text
    # Another review's interviews are listed as before.
    login(client, kept.lead)
    listing = client.get(reverse("throughcare:interview_list", args=[kept.pk])).content.decode()
    assert "Interview 1" in listing
    assert "under the retention policy" not in listing


def test_no_interview_can_be_recorded_once_the_data_is_deleted(client, world):
    due = world["due"]
    _, token = services.recall_interview_form_open(review=due, by=due.lead)
    delete_after_notice()
    day = timezone.localdate()
    message = RECALL_INTERVIEWS_DELETED.format(date=f"{day.day} {day:%B %Y}")

    with pytest.raises(ApplicationError) as refused:
        services.recall_interview_form_open(review=due, by=due.lead)
    assert refused.value.message == message
    # Nor with a form opened before the deletion.
    with pytest.raises(ApplicationError) as refused:
        services.recall_interview_record(
            review=due, answers=INTERVIEW, form_token=token, by=due.lead
        )
    assert refused.value.message == message

    login(client, due.lead)
    url = reverse("throughcare:interview_create", args=[due.pk])
    for response in (
        client.get(url, follow=True),
        client.post(url, {"form_token": token, "q_consent_given": "yes"}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse(
            "throughcare:interview_list", args=[due.pk]
        )
        text = response.content.decode()
        assert message in text
        assert "Record-level data for this review was deleted on" in text
    assert recall_rows(due) == (0, 0)
    assert not interview_links(due).exists()  # refusing made no new link


def test_the_analysis_pages_say_their_live_figures_count_only_what_is_left(client, world):
    due, kept = world["due"], world["kept"]
    delete_after_notice()
    login(client, due.lead)
    for name in ("throughcare:survey_list", "throughcare:triangulation_index"):
        text = client.get(reverse(name, args=[due.pk])).content.decode()
        assert "Record-level data for this review was deleted on" in text, name
        assert "count only what is left" in text, name
    login(client, kept.lead)
    for name in ("throughcare:survey_list", "throughcare:triangulation_index"):
        text = client.get(reverse(name, args=[kept.pk])).content.decode()
        assert "under the retention policy" not in text, name
