"""Themes: the review team names themes, tags written answers of its own review, and the
counts come out per source and per area."""

import pytest

from accounts.models import Role
from core.exceptions import ApplicationError
from qi_framework.models import ResponseAnswer
from qi_framework.responses import form_token_issue, response_link_open, response_submit
from tests.factories import login, person
from tests.throughcare.factories import make_review
from tests.throughcare.test_surveys import PRISON_ANSWERS, STAFF_ANSWERS
from throughcare import selectors, services
from throughcare.models import ThemeTag
from throughcare.selectors.surveys import SOURCE_PRISON, SOURCE_STAFF
from throughcare.services.themes import ANSWER_NOT_OF_REVIEW, THEME_NAME_TAKEN

pytestmark = pytest.mark.django_db


def submit(raw, answers):
    link = response_link_open(raw_token=raw)
    return response_submit(raw_token=raw, answers=answers, form_token=form_token_issue(link=link))


@pytest.fixture
def review(reference_data):
    return make_review(authorities=("glasgow-city", "west-dunbartonshire"))


@pytest.fixture
def answers(review):
    """Written answers: two from Glasgow's staff, one from West Dunbartonshire's, one prison."""
    glasgow, west = review.test_areas
    _, glasgow_raw = services.staff_survey_link_create(area=glasgow, by=review.lead)
    _, west_raw = services.staff_survey_link_create(area=west, by=review.lead)
    _, prison_raw = services.prison_survey_link_create(review=review, by=review.lead)
    responses = [
        submit(glasgow_raw, STAFF_ANSWERS | {"would_help": "Housing before release"}),
        submit(glasgow_raw, STAFF_ANSWERS | {"would_help": "Training on LS/CMI"}),
        submit(west_raw, STAFF_ANSWERS | {"would_help": "Housing officers in prison"}),
        submit(prison_raw, PRISON_ANSWERS),
    ]
    return [
        ResponseAnswer.objects.get(response=r, question__kind="text", value_text__gt="")
        for r in responses
    ]


def test_theme_names_are_unique_within_a_review(review):
    services.theme_create(review=review, name="Housing", by=review.lead)
    with pytest.raises(ApplicationError) as error:
        services.theme_create(review=review, name=" housing ", by=review.lead)
    assert error.value.message == THEME_NAME_TAKEN.format(name="housing")
    other = make_review("Another review", authorities=("fife",))
    services.theme_create(review=other, name="Housing", by=other.lead)  # another review may


def test_tags_and_counts_per_source_and_area(review, answers):
    glasgow, west = review.test_areas
    housing = services.theme_create(review=review, name="Housing", by=review.lead)
    training = services.theme_create(review=review, name="Training", by=review.lead)
    ids = [a.pk for a in answers]
    added, removed = services.theme_tags_set(
        review=review,
        answer_ids=ids,
        chosen={
            ids[0]: [housing.pk],
            ids[1]: [training.pk],
            ids[2]: [housing.pk],
            ids[3]: [housing.pk],
        },
        by=review.lead,
    )
    assert (added, removed) == (4, 0)
    counts = [
        (theme.name, source, area.pk if area else None, n)
        for theme, source, area, n in selectors.theme_counts(review=review)
    ]
    assert counts == [
        ("Housing", SOURCE_STAFF, glasgow.pk, 1),
        ("Housing", SOURCE_STAFF, west.pk, 1),
        ("Housing", SOURCE_PRISON, None, 1),
        ("Training", SOURCE_STAFF, glasgow.pk, 1),
    ]
    # Saving a page again makes the tags exactly what is ticked, on that page only.
    added, removed = services.theme_tags_set(
        review=review, answer_ids=ids[:1], chosen={ids[0]: [training.pk]}, by=review.lead
    )
    assert (added, removed) == (1, 1)
    assert ThemeTag.objects.filter(theme=housing).count() == 2


def test_answers_of_another_review_cannot_be_tagged(review, answers, reference_data):
    other = make_review("Another review", authorities=("fife",))
    theme = services.theme_create(review=other, name="Housing", by=other.lead)
    with pytest.raises(ApplicationError) as error:
        services.theme_tags_set(
            review=other,
            answer_ids=[answers[0].pk],
            chosen={answers[0].pk: [theme.pk]},
            by=other.lead,
        )
    assert error.value.message == ANSWER_NOT_OF_REVIEW
    assert not ThemeTag.objects.exists()


def test_tagging_page_lists_answers_and_saves_ticks(client, review, answers):
    theme = services.theme_create(review=review, name="Housing", by=review.lead)
    login(client, review.lead)
    page = client.get(f"/reviews/{review.pk}/themes/tag/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Housing before release" in content and "A flat to go to" in content
    assert "Glasgow City" in content
    first = answers[0].pk
    saved = client.post(
        f"/reviews/{review.pk}/themes/tag/",
        {"answer": [first, answers[1].pk], f"themes-{first}": [str(theme.pk)]},
    )
    assert saved.status_code == 302
    assert list(ThemeTag.objects.values_list("answer_id", flat=True)) == [first]
    only_prison = client.get(f"/reviews/{review.pk}/themes/tag/?source=prison_survey")
    assert "Housing before release" not in only_prison.content.decode()
    listing = client.get(f"/reviews/{review.pk}/themes/").content.decode()
    assert "Housing" in listing and "Not tied to an area" not in listing


def test_tagging_page_is_paginated(client, review, settings):
    glasgow = review.test_areas[0]
    _, raw = services.staff_survey_link_create(area=glasgow, by=review.lead)
    for i in range(23):
        submit(raw, STAFF_ANSWERS | {"would_help": f"Answer number {i:02d}"})
    services.theme_create(review=review, name="Housing", by=review.lead)
    login(client, review.lead)
    first = client.get(f"/reviews/{review.pk}/themes/tag/").content.decode()
    second = client.get(f"/reviews/{review.pk}/themes/tag/?page=2").content.decode()
    assert "Answer number 00" in first and "Answer number 22" not in first
    assert "Answer number 22" in second and "Page 2 of 2" in second


def test_themes_are_added_on_the_page(client, review):
    login(client, review.lead)
    sent = client.post(f"/reviews/{review.pk}/themes/", {"name": "Housing", "description": ""})
    assert sent.status_code == 302
    again = client.post(f"/reviews/{review.pk}/themes/", {"name": "Housing", "description": ""})
    assert again.status_code == 200
    assert "already has a theme called" in again.content.decode()


def test_a_manager_sees_themes_but_cannot_tag(client, review):
    login(client, person(Role.MANAGER))
    assert client.get(f"/reviews/{review.pk}/themes/").status_code == 200
    assert client.get(f"/reviews/{review.pk}/themes/tag/").status_code == 403
    assert client.post(f"/reviews/{review.pk}/themes/", {"name": "X"}).status_code == 403
