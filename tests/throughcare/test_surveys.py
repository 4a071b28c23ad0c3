"""Surveys of a thematic review: anonymous staff and prison survey links, one-time form tokens,
paper entry, response counts and rates, results in words, and who may see them."""

import re

import pytest
from django.test import Client

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from qi_framework.models import Response, ResponseLink
from qi_framework.responses import (
    FORM_TOKEN_INVALID,
    FORM_TOKEN_USED,
    form_token_issue,
    response_link_open,
    response_submit,
    token_hash,
)
from tests.factories import login, person
from tests.throughcare.factories import make_review
from throughcare import selectors, services
from throughcare.selectors.surveys import (
    PAPER_LINK_LABEL,
    PRISON_LINK_LABEL,
    RATE_NOT_KNOWN,
    SOURCE_INTERVIEWS,
    SOURCE_PRISON,
    SOURCE_STAFF,
    STAFF_LINK_LABEL,
)

pytestmark = pytest.mark.django_db

REVIEW_TITLE = "Throughcare review Q7X unique title"

STAFF_ANSWERS = {
    "role": "social_worker",
    "years_throughcare": "4_to_10",
    "confidence_pre_release": "confident",
    "pre_release_partners": "agree",
    "lscmi_process_works": "disagree",
    "lscmi_shared_on_time": "strongly_disagree",
    "breach_process_clear": "strongly_agree",
    "recall_decisions_fair": "agree",
    "training_adequate": "disagree",
    "training_wanted": ["lscmi", "parole"],
    "would_help": "More time to plan with housing before release.",
}
PRISON_ANSWERS = {
    "recalled_times": "once",
    "contact_before_release": "yes",
    "help_accommodation": "no_needed",
    "help_income": "yes_enough",
    "help_health": "yes_not_enough",
    "understood_conditions": "yes",
    "social_worker_relationship": "good",
    "warned_before_recall": "no",
    "what_would_help": "A flat to go to on the day I got out.",
}


def post_data(answers, form_token=""):
    data = {f"q_{code}": value for code, value in answers.items()}
    return data | {"form_token": form_token}


def form_token_of(response) -> str:
    return re.search(rb'name="form_token" value="([^"]+)"', response.content).group(1).decode()


def submit(raw_token: str, answers=STAFF_ANSWERS) -> Response:
    link = response_link_open(raw_token=raw_token)
    return response_submit(
        raw_token=raw_token, answers=answers, form_token=form_token_issue(link=link)
    )


@pytest.fixture
def review(reference_data):
    return make_review(REVIEW_TITLE, authorities=("glasgow-city", "west-dunbartonshire"))


@pytest.fixture
def glasgow(review):
    return review.test_areas[0]


@pytest.fixture
def staff_link(review, glasgow):
    return services.staff_survey_link_create(area=glasgow, by=review.lead)


@pytest.fixture
def team_client(client, review):
    login(client, review.lead)
    return client


# --- Links -----------------------------------------------------------------------------------


def test_staff_link_identifies_the_area_not_the_person(review, glasgow, staff_link):
    link, raw = staff_link
    assert link.subject == glasgow
    assert link.single_use is False
    assert link.label == STAFF_LINK_LABEL
    assert link.instrument_version == review.staff_survey_instrument
    assert link.token_hash == token_hash(raw) and raw not in link.token_hash


def test_new_staff_link_cancels_the_old_one(review, glasgow, staff_link):
    old, old_raw = staff_link
    new, new_raw = services.staff_survey_link_create(area=glasgow, by=review.lead)
    old.refresh_from_db()
    assert old.revoked_at is not None and new.revoked_at is None
    assert Client().get(f"/r/{old_raw}/").status_code == 404
    assert Client().get(f"/r/{new_raw}/").status_code == 200


def test_team_makes_a_link_and_sees_its_address_once(team_client, review, glasgow):
    page = team_client.post(f"/reviews/{review.pk}/surveys/areas/{glasgow.pk}/link/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    raw = re.search(r"/r/([A-Za-z0-9_-]+)/", page.content.decode()).group(1)
    link = ResponseLink.objects.get(token_hash=token_hash(raw))
    assert link.subject == glasgow
    listing = team_client.get(f"/reviews/{review.pk}/surveys/").content.decode()
    assert raw not in listing  # shown once, never again


def test_cancelled_link_stops_opening(team_client, review, staff_link):
    link, raw = staff_link
    confirm = team_client.get(f"/reviews/{review.pk}/surveys/links/{link.pk}/cancel/")
    assert confirm.status_code == 200
    team_client.post(f"/reviews/{review.pk}/surveys/links/{link.pk}/cancel/")
    assert Client().get(f"/r/{raw}/").status_code == 404


def test_a_link_of_another_review_cannot_be_cancelled_here(team_client, review, reference_data):
    other = make_review("Another review", authorities=("fife",))
    link, raw = services.staff_survey_link_create(area=other.test_areas[0], by=other.lead)
    with pytest.raises(ApplicationError):
        services.survey_link_revoke(review=review, link=link, by=review.lead)
    page = team_client.post(f"/reviews/{review.pk}/surveys/links/{link.pk}/cancel/")
    assert page.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_prison_link_is_the_reviews(review):
    link, _ = services.prison_survey_link_create(review=review, by=review.lead)
    assert link.subject == review and link.single_use is False
    assert link.label == PRISON_LINK_LABEL


# --- Anonymous submission ---------------------------------------------------------------------


def test_staff_member_answers_without_an_account(client, glasgow, staff_link):
    _, raw = staff_link
    page = client.get(f"/r/{raw}/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert STAFF_LINK_LABEL.encode() in page.content
    sent = client.post(f"/r/{raw}/", post_data(STAFF_ANSWERS, form_token_of(page)))
    assert sent.status_code == 302 and sent["Location"] == "/r/thanks/"
    response = Response.objects.get()
    assert response.link.subject == glasgow
    stored = {a.question.code: a.value for a in response.answers.select_related("question")}
    assert stored["lscmi_process_works"] == "disagree"
    assert stored["training_wanted"] == ["lscmi", "parole"]


def test_replayed_and_forged_form_tokens_are_refused(client, staff_link):
    _, raw = staff_link
    data = post_data(STAFF_ANSWERS, form_token_of(client.get(f"/r/{raw}/")))
    assert client.post(f"/r/{raw}/", data).status_code == 302
    replay = client.post(f"/r/{raw}/", data)  # a double click, or a replay
    assert replay.status_code == 400
    assert FORM_TOKEN_USED.encode() in replay.content.replace(b"&#x27;", b"'")
    forged = client.post(f"/r/{raw}/", post_data(STAFF_ANSWERS, "forged-token"))
    assert forged.status_code == 400
    assert FORM_TOKEN_INVALID.encode() in forged.content.replace(b"&#x27;", b"'")
    assert Response.objects.count() == 1


def test_a_form_token_of_another_link_is_refused(client, review, staff_link):
    _, raw = staff_link
    prison, prison_raw = services.prison_survey_link_create(review=review, by=review.lead)
    borrowed = form_token_of(client.get(f"/r/{prison_raw}/"))
    assert client.post(f"/r/{raw}/", post_data(STAFF_ANSWERS, borrowed)).status_code == 400
    assert not Response.objects.exists()


def test_nothing_about_the_respondent_is_stored(client, staff_link):
    _, raw = staff_link
    page = client.get(f"/r/{raw}/", REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="Agent 9Z")
    before = AuditEvent.objects.count()
    client.post(
        f"/r/{raw}/",
        post_data(STAFF_ANSWERS, form_token_of(page)),
        REMOTE_ADDR="192.0.2.44",
        HTTP_USER_AGENT="Agent 9Z",
    )
    assert {f.name for f in Response._meta.concrete_fields} == {
        "id",
        "link",
        "instrument_version",
        "submitted_at",
    }
    assert AuditEvent.objects.count() == before  # no trail of the answer or the address
    assert not AuditEvent.objects.filter(ip_address="192.0.2.44").exists()


def test_public_page_shows_only_the_label_and_opens_nothing_else(client, review, staff_link):
    _, raw = staff_link
    content = client.get(f"/r/{raw}/").content.decode()
    assert REVIEW_TITLE not in content
    assert "Glasgow" not in content and "West Dunbartonshire" not in content
    assert review.lead.name not in content
    assert "/reviews/" not in content
    # The same anonymous visitor reaches none of the review's pages.
    for url in (
        f"/reviews/{review.pk}/",
        f"/reviews/{review.pk}/surveys/",
        f"/reviews/{review.pk}/surveys/results/staff_survey/",
        f"/reviews/{review.pk}/surveys/paper/",
        f"/reviews/{review.pk}/interviews/",
        f"/reviews/{review.pk}/themes/",
    ):
        page = client.get(url)
        assert page.status_code == 302, url
        assert "/accounts/" in page["Location"] or "login" in page["Location"], url


def test_rate_limit_is_per_address_and_lets_an_office_answer(settings, staff_link):
    settings.RESPONSE_RATE_LIMIT_POSTS = 30
    _, raw = staff_link
    office = Client(REMOTE_ADDR="192.0.2.10")
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    tokens = [form_token_issue(link=response_link_open(raw_token=raw)) for _ in range(31)]
    # Thirty colleagues behind one office address can all send their answers...
    sent = [office.post(f"/r/{raw}/", post_data(STAFF_ANSWERS, t)).status_code for t in tokens]
    assert sent[:30] == [302] * 30
    # ...but the address is then limited for the window, and nobody else is.
    assert sent[30] == 429
    page = elsewhere.get(f"/r/{raw}/")
    assert page.status_code == 200
    assert (
        elsewhere.post(f"/r/{raw}/", post_data(STAFF_ANSWERS, form_token_of(page))).status_code
        == 302
    )
    assert Response.objects.count() == 31


# --- Paper entry -----------------------------------------------------------------------------


def test_team_types_in_a_paper_questionnaire_once(team_client, review):
    url = f"/reviews/{review.pk}/surveys/paper/"
    page = team_client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    data = post_data(PRISON_ANSWERS, form_token_of(page))
    saved = team_client.post(url, data)
    assert saved.status_code == 302
    again = team_client.post(url, data)  # a double click stores one questionnaire
    assert again.status_code == 302
    assert Response.objects.count() == 1
    response = Response.objects.get()
    assert response.link.label == PAPER_LINK_LABEL and response.link.subject == review
    counts = selectors.prison_survey_counts(review=review)
    assert (counts.paper, counts.online, counts.total) == (1, 0, 1)
    forged = team_client.post(url, post_data(PRISON_ANSWERS, "forged"))
    assert forged.status_code == 400
    assert Response.objects.count() == 1
    # The paper link's token is never shown or stored.
    assert response.link.token_hash not in page.content.decode()


def test_paper_entry_shows_errors_and_keeps_the_token(team_client, review):
    url = f"/reviews/{review.pk}/surveys/paper/"
    token = form_token_of(team_client.get(url))
    shown = team_client.post(url, post_data({"recalled_times": "once"}, token))
    assert shown.status_code == 200
    assert b"There is a problem" in shown.content
    assert form_token_of(shown) == token
    assert not Response.objects.exists()


def test_paper_and_online_are_counted_apart(review):
    _, raw = services.prison_survey_link_create(review=review, by=review.lead)
    submit(raw, PRISON_ANSWERS)
    submit(raw, PRISON_ANSWERS)
    _, form_token = services.paper_form_open(review=review, by=review.lead)
    services.paper_response_submit(
        review=review, answers=PRISON_ANSWERS, form_token=form_token, by=review.lead
    )
    counts = selectors.prison_survey_counts(review=review)
    assert (counts.online, counts.paper, counts.total) == (2, 1, 3)
    assert selectors.source_responses(review=review, source=SOURCE_PRISON).count() == 3


def test_other_staff_cannot_enter_paper_questionnaires(client, review, reference_data):
    manager = person(Role.MANAGER)
    login(client, manager)
    assert client.get(f"/reviews/{review.pk}/surveys/").status_code == 200  # sees the analysis
    assert client.get(f"/reviews/{review.pk}/surveys/paper/").status_code == 403


# --- Counts, rates and results -----------------------------------------------------------------


def test_response_rate_is_not_known_until_the_population_is_set(review, glasgow, staff_link):
    _, raw = staff_link
    for _ in range(3):
        submit(raw)
    rates = {r.area.pk: r for r in selectors.response_rates(review=review)}
    assert rates[glasgow.pk].responses == 3
    assert rates[glasgow.pk].rate == RATE_NOT_KNOWN
    assert "not known" in rates[glasgow.pk].sentence
    services.area_staff_survey_population_set(area=glasgow, population=9, by=review.lead)
    review.refresh_from_db()
    rates = {r.area.pk: r for r in selectors.response_rates(review=review)}
    # Nine staff is below the minimum for a percentage: the counts are given instead.
    assert rates[glasgow.pk].rate == "3 of 9"
    assert "(3 of 9) responded" in rates[glasgow.pk].sentence
    west = review.test_areas[1]
    assert rates[west.pk].responses == 0


def test_response_rate_in_words_with_a_percentage(review, glasgow, staff_link):
    _, raw = staff_link
    for _ in range(15):
        submit(raw)
    services.area_staff_survey_population_set(area=glasgow, population=25, by=review.lead)
    rate = next(r for r in selectors.response_rates(review=review) if r.area.pk == glasgow.pk)
    assert rate.rate == "60%"
    assert rate.sentence.endswith("(60%, 15 of 25) responded.")


def test_results_say_what_staff_answered_per_area(review, glasgow, staff_link):
    _, raw = staff_link
    for _ in range(4):
        submit(raw)
    submit(raw, STAFF_ANSWERS | {"pre_release_partners": "disagree"})
    west = review.test_areas[1]
    _, west_raw = services.staff_survey_link_create(area=west, by=review.lead)
    submit(west_raw, STAFF_ANSWERS | {"pre_release_partners": "dont_know"})

    results = {
        r.code: r
        for r in selectors.survey_results(review=review, source=SOURCE_STAFF, area=glasgow)
    }
    partners = results["pre_release_partners"]
    assert partners.answered == 5
    assert (partners.finding.numerator, partners.finding.denominator) == (4, 5)
    assert "(4 of 5) agreed or strongly agreed" in partners.sentence
    assert {"5.1", "6.1"} <= set(partners.qis)
    assert results["would_help"].sentence == "Five written answers."

    everyone = {r.code: r for r in selectors.survey_results(review=review, source=SOURCE_STAFF)}
    # "Don't know" is left out of the denominator, as on the triangulation page.
    assert everyone["pre_release_partners"].answered == 6
    assert everyone["pre_release_partners"].finding.denominator == 5


def test_results_of_a_source_exclude_other_reviews(review, staff_link, reference_data):
    other = make_review("Another review", authorities=("fife",))
    _, other_raw = services.staff_survey_link_create(area=other.test_areas[0], by=other.lead)
    submit(other_raw)
    _, raw = staff_link
    submit(raw)
    results = {r.code: r for r in selectors.survey_results(review=review, source=SOURCE_STAFF)}
    assert results["role"].answered == 1
    assert selectors.source_responses(review=review, source=SOURCE_INTERVIEWS).count() == 0


def test_results_page_shows_the_words(team_client, review, glasgow, staff_link):
    _, raw = staff_link
    submit(raw)
    page = team_client.get(f"/reviews/{review.pk}/surveys/results/staff_survey/?area={glasgow.pk}")
    assert page.status_code == 200
    assert "(1 of 1) agreed or strongly agreed" in page.content.decode()
    assert team_client.get(f"/reviews/{review.pk}/surveys/results/nonsense/").status_code == 404


def test_survey_list_shows_counts(team_client, review, glasgow, staff_link):
    _, raw = staff_link
    submit(raw)
    page = team_client.get(f"/reviews/{review.pk}/surveys/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Glasgow City" in content and "West Dunbartonshire" in content
    assert "Not known" in content


# --- Who may see -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        (Role.AUTHORITY_CONTACT, "west-dunbartonshire"),  # another area's contact
        (Role.AUTHORITY_CONTACT, "glasgow-city"),  # the area's own contact: no results either
        (Role.LOCAL_COORDINATOR, "glasgow-city"),
        (Role.INSPECTOR, None),  # an inspector off the team
        (Role.AUTHORITY_CONTACT, "fife"),
    ],
)
def test_people_off_the_team_see_no_survey_pages(client, review, staff_link, who):
    role, org = who
    login(client, person(role, org))
    for url in (
        f"/reviews/{review.pk}/surveys/",
        f"/reviews/{review.pk}/surveys/results/staff_survey/",
        f"/reviews/{review.pk}/surveys/paper/",
        f"/reviews/{review.pk}/interviews/",
        f"/reviews/{review.pk}/themes/",
        f"/reviews/{review.pk}/themes/tag/",
    ):
        assert client.get(url).status_code == 404, url
    link, _ = staff_link
    assert client.post(f"/reviews/{review.pk}/surveys/links/{link.pk}/cancel/").status_code == 404


# --- Demo data -----------------------------------------------------------------------------------


def test_demo_step_adds_surveys_once(reference_data):
    from core.demo import DemoContext
    from throughcare.demo import REVIEW_TITLE
    from throughcare.demo_surveys import demo_throughcare_surveys

    demo_throughcare_surveys(DemoContext())  # no demo review yet: nothing happens
    assert not Response.objects.exists()
    review = make_review(REVIEW_TITLE, authorities=("glasgow-city", "fife"))
    glasgow, fife = review.test_areas
    services.area_staff_survey_population_set(area=fife, population=24, by=review.lead)
    demo_throughcare_surveys(DemoContext())
    staff = {r.area.pk: r.responses for r in selectors.response_rates(review=review)}
    assert 20 <= staff[glasgow.pk] <= 40 and 20 <= staff[fife.pk] <= 24
    counts = selectors.prison_survey_counts(review=review)
    assert (counts.online, counts.paper, counts.interviews) == (22, 8, 10)
    assert selectors.theme_counts(review=review)
    total = Response.objects.count()
    demo_throughcare_surveys(DemoContext())  # safe to run twice
    assert Response.objects.count() == total


def test_demo_step_after_the_reviews_own_step(reference_data):
    from accounts.demo import demo_people
    from core.demo import DemoContext
    from throughcare.demo import demo_review, demo_throughcare_review
    from throughcare.demo_surveys import demo_throughcare_surveys

    context = DemoContext()
    demo_people(context)
    demo_throughcare_review(context)
    demo_throughcare_surveys(context)
    review = demo_review()
    rates = selectors.response_rates(review=review)
    assert len(rates) == 4
    for rate in rates:
        assert 20 <= rate.responses <= 40
        assert rate.rate != RATE_NOT_KNOWN and rate.sentence.endswith("responded.")
    counts = selectors.prison_survey_counts(review=review)
    assert (counts.total, counts.paper, counts.interviews) == (30, 8, 10)
    sources = {source for _, source, _, _ in selectors.theme_counts(review=review)}
    assert sources == {SOURCE_STAFF, SOURCE_PRISON, SOURCE_INTERVIEWS}
