"""Recall interviews: the review team records them on the interview schedule (not tied to an
area), each save once, and only the team and managers read them."""

import datetime as dt
import re

import pytest

from accounts.models import Role
from core.models import AuditEvent
from qi_framework.models import Response
from tests.factories import login, person
from tests.throughcare.factories import make_review
from throughcare import selectors, services
from throughcare.selectors.surveys import INTERVIEW_LINK_LABEL, SOURCE_INTERVIEWS

pytestmark = pytest.mark.django_db

INTERVIEW = {
    "interview_date": "14/05/2021",
    "consent_given": "yes",
    "licence_kind": "short_term",
    "prepared_for_release": "no",
    "accommodation_on_release": "no",
    "relationship_rating": "4",
    "understood_conditions": "yes",
    "warned_before_recall": "no",
    "recall_understood": "yes",
    "recall_fair": "no",
    "could_have_helped": "Somewhere to stay that was not back in the same area.",
}


def post_data(answers, form_token=""):
    return {f"q_{code}": value for code, value in answers.items()} | {"form_token": form_token}


def form_token_of(response) -> str:
    return re.search(rb'name="form_token" value="([^"]+)"', response.content).group(1).decode()


@pytest.fixture
def review(reference_data):
    return make_review(authorities=("glasgow-city",))


def record(review, answers=INTERVIEW):
    _, token = services.recall_interview_form_open(review=review, by=review.lead)
    return services.recall_interview_record(
        review=review, answers=answers, form_token=token, by=review.lead
    )


def test_interview_is_recorded_against_the_review_not_an_area(review):
    response = record(review)
    assert response.link.subject == review
    assert response.link.label == INTERVIEW_LINK_LABEL
    assert response.instrument_version == review.interview_instrument
    interviews = selectors.recall_interviews(review=review)
    assert [(i.number, i.date, i.consented) for i in interviews] == [
        (1, dt.date(2021, 5, 14), True)
    ]
    # The interviewer is audited; nothing names the person interviewed.
    assert AuditEvent.objects.filter(
        action="throughcare_interview_response_entered", actor=review.lead
    ).exists()


def test_without_consent_only_the_date_and_consent_are_kept(review):
    response = record(review, INTERVIEW | {"consent_given": "no"})
    codes = set(response.answers.values_list("question__code", flat=True))
    assert codes == {"interview_date", "consent_given"}
    assert selectors.prison_survey_counts(review=review).interviews_consented == 0


def test_team_records_an_interview_on_the_page_once(client, review):
    login(client, review.lead)
    url = f"/reviews/{review.pk}/interviews/new/"
    page = client.get(url)
    assert page.status_code == 200
    data = post_data(INTERVIEW, form_token_of(page))
    saved = client.post(url, data)
    assert saved.status_code == 302
    response = Response.objects.get()
    assert saved["Location"] == f"/reviews/{review.pk}/interviews/{response.pk}/"
    assert client.post(url, data).status_code == 302  # a double click
    assert Response.objects.count() == 1
    assert client.post(url, post_data(INTERVIEW, "forged")).status_code == 400
    detail = client.get(saved["Location"]).content.decode()
    assert "Interview 1" in detail
    assert "Somewhere to stay that was not back in the same area." in detail
    listing = client.get(f"/reviews/{review.pk}/interviews/").content.decode()
    assert "14 May 2021" in listing


def test_missing_answers_are_shown(client, review):
    login(client, review.lead)
    url = f"/reviews/{review.pk}/interviews/new/"
    token = form_token_of(client.get(url))
    shown = client.post(url, post_data({"consent_given": "yes"}, token))
    assert shown.status_code == 200
    assert b"There is a problem" in shown.content
    assert b'href="#q-interview_date"' in shown.content
    assert not Response.objects.exists()


def test_interview_results_in_words(review):
    for rating in ("5", "4", "2"):
        record(review, INTERVIEW | {"relationship_rating": rating})
    results = {r.code: r for r in selectors.survey_results(review=review, source=SOURCE_INTERVIEWS)}
    rating = results["relationship_rating"]
    assert (rating.finding.numerator, rating.finding.denominator) == (2, 3)
    assert "(2 of 3) gave a rating of good or better" in rating.sentence
    assert selectors.prison_survey_counts(review=review).interviews == 3


def test_an_interview_of_another_review_is_not_found(client, review, reference_data):
    other = make_review("Another review", authorities=("fife",))
    response = record(other)
    login(client, review.lead)
    assert client.get(f"/reviews/{review.pk}/interviews/{response.pk}/").status_code == 404


def test_people_off_the_team_cannot_read_interviews(client, review):
    response = record(review)
    for someone in (person(Role.INSPECTOR), person(Role.AUTHORITY_CONTACT, "glasgow-city")):
        login(client, someone)
        assert client.get(f"/reviews/{review.pk}/interviews/{response.pk}/").status_code == 404
        assert client.get(f"/reviews/{review.pk}/interviews/new/").status_code == 404
