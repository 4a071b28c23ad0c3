"""Response links: single-use, anonymous feedback through the public pages, and the totals."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import Inspection
from qi_framework.instruments import instrument_version_current
from qi_framework.models import FormToken, Response, ResponseAnswer, ResponseLink
from qi_framework.responses import (
    FORM_TOKEN_INVALID,
    FORM_TOKEN_USED,
    LINK_EXPIRED,
    LINK_NOT_FOUND,
    LINK_USED,
    REQUIRED_ERROR,
    AnswersInvalid,
    FormTokenRefused,
    LinkUnavailable,
    feedback_link_create,
    form_token_issue,
    response_link_create,
    response_link_revoke,
    response_submit,
    responses_aggregate,
    token_hash,
)
from tests.factories import person
from tests.inspections.factories import make_inspection

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Confidential title 7Q3 do not publish"

ANSWERS = {
    "scrutiny_kind": "cpo_inspection",
    "respondent_role": "local_coordinator",
    "organisation_rating": "5",
    "coordination_rating": "6",
    "team_rating": "5",
    "staff_support_rating": "6",
    "professional_discussion_rating": "4",
    "engagement_rating": "5",
    "illustrations_specific_enough": "yes",
    "went_well": "Clear timetable",
}


@pytest.fixture
def feedback(reference_data):
    return instrument_version_current(code="scrutiny-feedback")


@pytest.fixture
def inspection(reference_data):
    return make_inspection(title=SECRET_TITLE)


@pytest.fixture
def link_and_token(inspection):
    return feedback_link_create(subject=inspection, by=person(Role.INSPECTOR))


def post_data(answers=ANSWERS, form_token=""):
    return {f"q_{code}": value for code, value in answers.items()} | {"form_token": form_token}


def form_token_of(response) -> str:
    return re.search(rb'name="form_token" value="([^"]+)"', response.content).group(1).decode()


def main_of(response) -> bytes:
    return re.search(rb"<main.*</main>", response.content, re.S).group(0)


def submit(token, answers=ANSWERS):
    link = ResponseLink.objects.get(token_hash=token_hash(token))
    return response_submit(raw_token=token, answers=answers, form_token=form_token_issue(link=link))


# --- Services ----------------------------------------------------------------------------------


def test_link_keeps_only_the_hash_and_audits_without_the_token(link_and_token, inspection):
    link, token = link_and_token
    assert len(token) >= 43
    assert link.token_hash == token_hash(token) != token
    assert link.label == "Feedback on the inspection of West Dunbartonshire"
    assert link.subject == inspection
    assert link.single_use
    assert (link.expires_at - timezone.now()).days in (59, 60)
    event = AuditEvent.objects.get(action="response_link_created")
    assert event.object_id == str(link.pk)
    assert token not in str(event.new_value) and token not in event.detail


def test_submit_stores_every_answer_and_uses_the_link(link_and_token):
    link, token = link_and_token
    response = submit(token)
    link.refresh_from_db()
    assert link.used_at is not None
    assert response.instrument_version == link.instrument_version
    stored = {a.question.code: a.value for a in response.answers.select_related("question")}
    assert stored["organisation_rating"] == 5
    assert stored["scrutiny_kind"] == "cpo_inspection"
    assert stored["went_well"] == "Clear timetable"
    assert len(stored) == len(ANSWERS)


def test_response_records_nothing_about_who_answered():
    names = {f.name for f in Response._meta.get_fields()}
    assert names == {"id", "link", "instrument_version", "submitted_at", "answers"}
    assert not {f.name for f in ResponseAnswer._meta.get_fields()} & {
        "user",
        "ip_address",
        "created_by",
    }


def test_single_use_link_is_refused_the_second_time(link_and_token):
    _, token = link_and_token
    submit(token)
    with pytest.raises(LinkUnavailable) as error:
        submit(token)
    assert error.value.message == LINK_USED
    assert Response.objects.count() == 1


def test_multi_use_link_takes_several_responses(feedback, inspection):
    _, token = response_link_create(
        instrument_version=feedback, subject=inspection, label="Survey", single_use=False
    )
    submit(token)
    submit(token)
    assert Response.objects.count() == 2


def test_expired_link_is_refused(link_and_token):
    link, token = link_and_token
    ResponseLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    with pytest.raises(LinkUnavailable) as error:
        submit(token)
    assert error.value.message == LINK_EXPIRED
    assert not Response.objects.exists()


def test_revoked_link_reads_as_unknown(link_and_token):
    link, token = link_and_token
    response_link_revoke(link=link, by=None)
    with pytest.raises(LinkUnavailable) as error:
        submit(token)
    assert error.value.reason == "not_found"
    assert error.value.message == LINK_NOT_FOUND
    with pytest.raises(ApplicationError):
        response_link_revoke(link=link)


def test_replayed_form_token_is_refused_and_nothing_more_stored(feedback, inspection):
    link, token = response_link_create(
        instrument_version=feedback, subject=inspection, label="Survey", single_use=False
    )
    form_token = form_token_issue(link=link)
    response_submit(raw_token=token, answers=ANSWERS, form_token=form_token)
    with pytest.raises(FormTokenRefused) as error:
        response_submit(raw_token=token, answers=ANSWERS, form_token=form_token)
    assert error.value.message == FORM_TOKEN_USED
    assert Response.objects.count() == 1


def test_forged_or_borrowed_form_token_is_refused(link_and_token, feedback, inspection):
    link, token = link_and_token
    other, _ = response_link_create(instrument_version=feedback, subject=inspection)
    for form_token in ("made-up", "", form_token_issue(link=other)):
        with pytest.raises(FormTokenRefused) as error:
            response_submit(raw_token=token, answers=ANSWERS, form_token=form_token)
        assert error.value.message == FORM_TOKEN_INVALID
    link.refresh_from_db()
    assert link.used_at is None
    assert not Response.objects.exists()


def test_missing_and_wrong_answers_give_errors_and_store_nothing(link_and_token):
    link, token = link_and_token
    answers = {**ANSWERS, "team_rating": "", "organisation_rating": "9"}
    del answers["scrutiny_kind"]
    with pytest.raises(AnswersInvalid) as error:
        submit(token, answers)
    assert list(error.value.errors) == ["scrutiny_kind", "organisation_rating", "team_rating"]
    assert error.value.errors["team_rating"] == REQUIRED_ERROR
    assert not Response.objects.exists() and not ResponseAnswer.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None
    submit(token)  # the link still works once the answers are right


def test_only_a_published_version_can_be_sent(feedback, inspection):
    from qi_framework.instruments import instrument_version_copy

    draft = instrument_version_copy(version=feedback, by=None)
    with pytest.raises(ApplicationError):
        response_link_create(instrument_version=draft, subject=inspection)


def test_aggregate_counts_across_subjects(feedback, inspection):
    other = make_inspection("fife")
    for subject, rating in ((inspection, "5"), (other, "5"), (other, "3")):
        _, token = feedback_link_create(subject=subject)
        submit(token, {**ANSWERS, "team_rating": rating})
    totals = {t.code: t for t in responses_aggregate(instrument_versions=feedback)}
    team = totals["team_rating"]
    assert team.answered == 3
    assert team.counts == {"6": 0, "5": 2, "4": 0, "3": 1, "2": 0, "1": 0}
    assert team.mean == pytest.approx(13 / 3)
    assert totals["scrutiny_kind"].counts["cpo_inspection"] == 3
    assert totals["scrutiny_kind"].labels["svse"] == "Supported and validated self-evaluation"
    assert totals["illustrations_specific_enough"].counts == {"yes": 3, "no": 0, "na": 0}
    assert totals["went_well"].answered == 3 and totals["went_well"].counts == {}
    assert totals["framework_rating"].answered == 0
    by_type = responses_aggregate(instrument_versions=[feedback], subject_type=Inspection)
    assert {t.code: t for t in by_type}["team_rating"].answered == 3
    exercise_type = ContentType.objects.get_by_natural_key("partnerships", "exercise")
    by_exercise = responses_aggregate(instrument_versions=[feedback], subject_type=exercise_type)
    assert {t.code: t for t in by_exercise}["team_rating"].answered == 0


def test_aggregate_counts_only_the_responses_given(feedback, inspection):
    from qi_framework.models import Response

    other = make_inspection("fife")
    for subject, rating in ((inspection, "5"), (other, "2"), (other, "3")):
        _, token = feedback_link_create(subject=subject)
        submit(token, {**ANSWERS, "team_rating": rating})
    fife = Response.objects.filter(link__subject_id=other.pk)
    totals = {t.code: t for t in responses_aggregate(instrument_versions=feedback, responses=fife)}
    assert totals["team_rating"].answered == 2
    assert totals["team_rating"].counts == {"6": 0, "5": 0, "4": 0, "3": 1, "2": 1, "1": 0}


def test_command_prints_a_working_address(inspection):
    out = StringIO()
    call_command(
        "create_feedback_link", "--subject", f"inspections.inspection:{inspection.pk}", stdout=out
    )
    url = out.getvalue().strip().splitlines()[-1]
    assert "/r/" in url
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert ResponseLink.objects.filter(token_hash=token_hash(token)).exists()


# --- Public pages ------------------------------------------------------------------------------


def test_anonymous_person_fills_in_the_form_without_an_account(client, link_and_token):
    _, token = link_and_token
    page = client.get(f"/r/{token}/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "no-referrer"
    assert b"Feedback on the inspection of West Dunbartonshire" in page.content
    sent = client.post(f"/r/{token}/", post_data(form_token=form_token_of(page)))
    assert sent.status_code == 302 and sent["Location"] == "/r/thanks/"
    assert client.get(sent["Location"]).status_code == 200
    assert Response.objects.count() == 1
    again = client.get(f"/r/{token}/")
    assert again.status_code == 410
    assert b"already been used" in again.content


def test_signed_in_person_without_second_factor_reaches_the_form(client, link_and_token):
    _, token = link_and_token
    client.force_login(person(Role.INSPECTOR))  # needs two factors, has not passed them
    assert client.get(f"/r/{token}/").status_code == 200


def test_public_page_shows_no_subject_details(client, link_and_token, inspection):
    _, token = link_and_token
    content = client.get(f"/r/{token}/").content.decode()
    assert SECRET_TITLE not in content
    assert inspection.lead.name not in content
    assert "2017" not in content and "2019" not in content  # the period and fieldwork dates
    assert "/inspections/" not in content


def test_errors_are_shown_and_nothing_stored(client, link_and_token):
    _, token = link_and_token
    page = client.get(f"/r/{token}/")
    form_token = form_token_of(page)
    shown = client.post(f"/r/{token}/", post_data({"team_rating": "5"}, form_token))
    assert shown.status_code == 200
    assert b"There is a problem" in shown.content
    assert b'href="#q-scrutiny_kind"' in shown.content
    assert b'value="5" checked' in shown.content  # the answer given is kept
    assert form_token_of(shown) == form_token
    assert not Response.objects.exists()
    assert client.post(f"/r/{token}/", post_data(form_token=form_token)).status_code == 302


def test_replayed_post_is_refused(client, feedback, inspection):
    _, token = response_link_create(
        instrument_version=feedback, subject=inspection, label="Survey", single_use=False
    )
    data = post_data(form_token=form_token_of(client.get(f"/r/{token}/")))
    assert client.post(f"/r/{token}/", data).status_code == 302
    replay = client.post(f"/r/{token}/", data)
    assert replay.status_code == 400
    assert FORM_TOKEN_USED.encode() in replay.content.replace(b"&#x27;", b"'")
    forged = client.post(f"/r/{token}/", post_data(form_token="forged"))
    assert forged.status_code == 400
    assert Response.objects.count() == 1


def test_unknown_and_revoked_links_get_the_same_404(client, link_and_token):
    link, token = link_and_token
    unknown = client.get("/r/not-a-real-token-at-all/")
    response_link_revoke(link=link)
    revoked = client.get(f"/r/{token}/")
    assert unknown.status_code == revoked.status_code == 404
    assert main_of(unknown) == main_of(revoked)  # the rest differs by the CSRF and CSP nonces
    assert b"This link is not valid" in unknown.content
    assert revoked["Cache-Control"] == "no-store"


def test_expired_link_page(client, link_and_token):
    link, token = link_and_token
    ResponseLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    page = client.get(f"/r/{token}/")
    assert page.status_code == 410
    assert b"This link has expired" in page.content


def test_rate_limit_is_per_address(settings, link_and_token):
    settings.RESPONSE_RATE_LIMIT_GETS = 3
    settings.RESPONSE_RATE_LIMIT_POSTS = 2
    _, token = link_and_token
    office = Client(REMOTE_ADDR="192.0.2.10")
    home = Client(REMOTE_ADDR="198.51.100.7")
    assert [office.get(f"/r/{token}/").status_code for _ in range(3)] == [200, 200, 200]
    limited = office.get(f"/r/{token}/")
    assert limited.status_code == 429
    assert b"too many requests" in limited.content
    assert limited["Retry-After"] == "600"
    assert home.get(f"/r/{token}/").status_code == 200
    assert [office.post(f"/r/{token}/", {}).status_code for _ in range(3)][-1] == 429
    assert FormToken.objects.count() == 4  # a limited request issues no form token


def test_rate_limit_honours_the_proxy_setting(settings, link_and_token):
    settings.RESPONSE_RATE_LIMIT_GETS = 1
    settings.AXES_IPWARE_PROXY_COUNT = 1
    _, token = link_and_token
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    first = {"HTTP_X_FORWARDED_FOR": "192.0.2.10"}
    second = {"HTTP_X_FORWARDED_FOR": "192.0.2.11"}
    assert proxy.get(f"/r/{token}/", **first).status_code == 200
    assert proxy.get(f"/r/{token}/", **first).status_code == 429
    assert proxy.get(f"/r/{token}/", **second).status_code == 200


def test_concurrent_submissions_use_a_single_use_link_once(link_and_token):
    """Two posts of a single-use link with two valid form tokens: only one response."""
    link, token = link_and_token
    tokens = [form_token_issue(link=link) for _ in range(2)]
    response_submit(raw_token=token, answers=ANSWERS, form_token=tokens[0])
    with pytest.raises(LinkUnavailable):
        response_submit(raw_token=token, answers=ANSWERS, form_token=tokens[1])
    assert Response.objects.count() == 1


def test_post_is_accepted_with_a_null_origin(link_and_token):
    """Browsers send `Origin: null` under no-referrer; the form token guards the post instead."""
    _, token = link_and_token
    browser = Client(enforce_csrf_checks=True)
    form_token = form_token_of(browser.get(f"/r/{token}/"))
    sent = browser.post(f"/r/{token}/", post_data(form_token=form_token), HTTP_ORIGIN="null")
    assert sent.status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_use_a_single_use_link_once(reference_data):
    import threading

    from django.db import connection

    link, token = feedback_link_create(subject=make_inspection())
    form_tokens = [form_token_issue(link=link) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def post(form_token: str) -> None:
        try:
            barrier.wait()
            response_submit(raw_token=token, answers=ANSWERS, form_token=form_token)
            outcomes.append("stored")
        except LinkUnavailable as error:
            outcomes.append(error.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(t,)) for t in form_tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stored", "used"]
    assert Response.objects.count() == 1
