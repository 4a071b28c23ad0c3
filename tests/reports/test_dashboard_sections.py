"""The dashboard's improvement, thematic review and feedback sections: counts against a small
fixed data set worked out by hand, filters, scoping and downloads."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organisation, Role
from improvement import services as improvement_services
from qi_framework.models import Response, ResponseLink
from qi_framework.responses import feedback_link_create, form_token_issue, response_submit
from tests.factories import login, person
from tests.improvement.factories import add_action, make_plan
from tests.partnerships.conftest import CLACKS, make_setup
from tests.throughcare.factories import make_review
from throughcare import services as throughcare_services
from throughcare.models import ThematicReview

pytestmark = pytest.mark.django_db
URL = "/documents/dashboard/"
TODAY = dt.date.today()


def section(response, key):
    return next((s for s in response.context["sections"] if s.key == key), None)


def rows_of(result, table_key) -> dict[str, list]:
    """The table's rows as {first cell's value: [the other cells' values]}."""
    return {r[0].value: [c.value for c in r[1:]] for r in result.table(table_key).rows}


def authority_id(slug: str) -> int:
    return Organisation.objects.get(slug=slug).pk


# --- Improvement ------------------------------------------------------------------------------


def set_status(setup, action, status):
    return improvement_services.action_update(
        action=action,
        description=action.description,
        owner_name=action.owner_name,
        owner_email=action.owner_email,
        due_date=action.due_date,
        status=status,
        by=setup.contact,
    )


@pytest.fixture
def plans(reference_data):
    """West Dunbartonshire: plan in progress, three elements (one addressed), three actions:
    one not started due in 2019 (overdue), one in progress due next year (open, not overdue),
    one complete. Inverclyde: plan closed, three elements addressed, three complete actions."""
    wd = make_plan("west-dunbartonshire")
    first, second, _ = wd.elements()
    add_action(wd, first, due=dt.date(2019, 6, 30))
    set_status(wd, add_action(wd, first, due=dt.date(TODAY.year + 1, 6, 30)), "in_progress")
    set_status(wd, add_action(wd, second, due=dt.date(2020, 1, 15)), "complete")
    improvement_services.element_mark_addressed(element=second, by=wd.link)

    ic = make_plan("inverclyde")
    for element in ic.elements():
        set_status(ic, add_action(ic, element, due=dt.date(2020, 3, 31)), "complete")
        improvement_services.element_mark_addressed(element=element, by=ic.link)
    assert ic.refresh().status == "closed"
    return wd, ic


# Columns of "improvement-authorities": plans, elements, addressed, actions, open, overdue.
def test_improvement_counts_by_authority(client, plans):
    wd, ic = plans
    login(client, person(Role.MANAGER))
    result = section(client.get(URL), "improvement")
    assert rows_of(result, "improvement-plans-status") == {
        "In progress": [1],
        "Closed": [1],
        "Total": [2],
    }
    assert rows_of(result, "improvement-authorities") == {
        "Inverclyde": [1, 3, 3, 3, 0, 0],
        "West Dunbartonshire": [1, 3, 1, 3, 2, 1],
        "Total": [2, 6, 4, 6, 2, 1],
    }
    plan_rows = {
        r[1].value: [c.value for c in r[2:]] for r in result.table("improvement-plans").rows
    }
    assert plan_rows == {
        "West Dunbartonshire": ["In progress", "1 of 3", 2, 1],
        "Inverclyde": ["Closed", "3 of 3", 0, 0],
    }


def test_improvement_counts_link_to_their_plans(client, plans):
    wd, _ = plans
    login(client, person(Role.MANAGER))
    response = client.get(URL)
    result = section(response, "improvement")
    plan_url = reverse("improvement:plan_detail", args=[wd.plan.pk])
    row = next(
        r
        for r in result.table("improvement-authorities").rows
        if r[0].value == "West Dunbartonshire"
    )
    assert row[0].href == plan_url and row[5].href == plan_url and row[6].href == plan_url
    assert f'href="{plan_url}"' in response.text
    # The link leads to the plan for the person who followed it.
    assert client.get(plan_url).status_code == 200


def test_improvement_chart_says_what_it_shows(client, plans):
    login(client, person(Role.MANAGER))
    response = client.get(URL)
    assert 'id="chart-improvement-authorities-desc"' in response.text
    assert "Inverclyde 0 open, 0 overdue; West Dunbartonshire 2 open, 1 overdue" in response.text
    assert "2 open actions, of which 1 is overdue." in response.text


def test_improvement_period_applies_to_due_dates(client, plans):
    login(client, person(Role.MANAGER))
    result = section(client.get(URL, {"year_from": 2019, "year_to": 2019}), "improvement")
    # Only West Dunbartonshire's action due in 2019 (overdue); Inverclyde's fall due in 2020.
    assert rows_of(result, "improvement-authorities") == {
        "West Dunbartonshire": [1, 3, 1, 1, 1, 1],
        "Total": [1, 3, 1, 1, 1, 1],
    }


def test_improvement_area_filter(client, plans):
    login(client, person(Role.MANAGER))
    result = section(client.get(URL, {"authority": authority_id("inverclyde")}), "improvement")
    assert rows_of(result, "improvement-plans-status") == {
        "In progress": [0],
        "Closed": [1],
        "Total": [1],
    }
    assert list(rows_of(result, "improvement-authorities")) == ["Inverclyde", "Total"]


def test_inspector_off_the_team_sees_no_plan_actions(client, plans):
    wd, ic = plans
    login(client, person(Role.INSPECTOR))
    result = section(client.get(URL), "improvement")
    assert rows_of(result, "improvement-authorities") == {"Total": [0, 0, 0, 0, 0, 0]}
    assert result.table("improvement-plans").rows == []
    download = client.get(
        reverse("reports:dashboard_table", args=["improvement", "improvement-plans", "csv"])
    )
    assert download.status_code == 200
    assert wd.inspection.title not in download.content.decode()


def test_lead_and_link_inspector_see_only_their_plans(client, plans):
    wd, ic = plans
    login(client, wd.lead)
    assert list(rows_of(section(client.get(URL), "improvement"), "improvement-authorities")) == [
        "West Dunbartonshire",
        "Total",
    ]
    login(client, ic.link)
    assert list(rows_of(section(client.get(URL), "improvement"), "improvement-authorities")) == [
        "Inverclyde",
        "Total",
    ]


def test_authority_contact_gets_no_dashboard(client, plans):
    wd, _ = plans
    login(client, wd.contact)
    assert client.get(URL).status_code == 403
    url = reverse("reports:dashboard_table", args=["improvement", "improvement-authorities", "csv"])
    assert client.get(url).status_code == 403


def test_improvement_downloads_hold_the_same_numbers(client, plans):
    login(client, person(Role.MANAGER))
    base = ["improvement", "improvement-authorities"]
    text = client.get(reverse("reports:dashboard_table", args=[*base, "csv"])).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0] == [
        "Local authority",
        "Plans",
        "Elements",
        "Elements addressed",
        "Actions",
        "Open actions",
        "Overdue actions",
    ]
    assert rows[1:] == [
        ["Inverclyde", "1", "3", "3", "3", "0", "0"],
        ["West Dunbartonshire", "1", "3", "1", "3", "2", "1"],
        ["Total", "2", "6", "4", "6", "2", "1"],
    ]
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reports:dashboard_table", args=[*base, "xlsx"])).content)
    )
    values = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert values[2] == ["West Dunbartonshire", 1, 3, 1, 3, 2, 1]
    assert values[3] == ["Total", 2, 6, 4, 6, 2, 1]


# --- Thematic reviews -------------------------------------------------------------------------


def track(review, statuses):
    """Add one recommendation per status (in drafting), publish the review, then record each
    status (a recommendation left "open" is not tracked)."""
    made = [
        throughcare_services.recommendation_create(
            review=review, text=f"Recommendation {i}", owner="Scottish Government", by=review.lead
        )
        for i, _ in enumerate(statuses, start=1)
    ]
    ThematicReview.objects.filter(pk=review.pk).update(status=ThematicReview.Status.PUBLISHED)
    review.refresh_from_db()
    for recommendation, status in zip(made, statuses, strict=True):
        recommendation.review = review
        if status != "open":
            throughcare_services.recommendation_track(
                recommendation=recommendation, status=status, text="Progress.", by=review.lead
            )
    return made


@pytest.fixture
def reviews(reference_data):
    """2019 (Glasgow, West Dunbartonshire): complete, in progress, not started.
    2021 (Inverclyde, with an inspector on the team): not accepted, not started."""
    first = make_review(
        "Throughcare review of breach and recall",
        authorities=("glasgow-city", "west-dunbartonshire"),
        starts_on=dt.date(2019, 3, 1),
    )
    track(first, ["complete", "in_progress", "open"])
    member = person(Role.INSPECTOR)
    second = make_review(
        '=HYPERLINK("http://example.com")',
        authorities=("inverclyde",),
        inspectors=(member,),
        starts_on=dt.date(2021, 3, 1),
    )
    track(second, ["not_accepted", "open"])
    # Something in scope for the year filter's choices (2019).
    make_plan("west-dunbartonshire")
    return first, second, member


# Columns of "reviews-recommendations": review status, not started, in progress,
# complete, not accepted, total.
def test_recommendations_by_status_and_by_review(client, reviews):
    first, second, _ = reviews
    login(client, person(Role.MANAGER))
    result = section(client.get(URL), "reviews")
    assert rows_of(result, "reviews-recommendations-status") == {
        "Not started": [2],
        "In progress": [1],
        "Complete": [1],
        "Not accepted": [1],
        "Total": [5],
    }
    by_review = rows_of(result, "reviews-recommendations")
    assert by_review[first.title] == ["Published", 1, 1, 1, 0, 3]
    assert by_review[second.title] == ["Published", 1, 0, 0, 1, 2]
    row = result.table("reviews-recommendations").rows[0]
    assert row[0].href == reverse("throughcare:review_detail", args=[second.pk])
    assert row[2].href == reverse("throughcare:recommendation_list", args=[second.pk])


def test_reviews_filters(client, reviews):
    first, second, _ = reviews
    login(client, person(Role.MANAGER))
    result = section(client.get(URL, {"year_from": 2019, "year_to": 2019}), "reviews")
    assert list(rows_of(result, "reviews-recommendations")) == [first.title]
    assert rows_of(result, "reviews-recommendations-status")["Total"] == [3]
    result = section(client.get(URL, {"authority": authority_id("inverclyde")}), "reviews")
    assert list(rows_of(result, "reviews-recommendations")) == [second.title]
    response = client.get(URL, {"kind": "throughcare_review"})
    assert [s.key for s in response.context["sections"]] == ["reviews"]


def test_reviews_scoped_to_the_team(client, reviews):
    first, second, member = reviews
    login(client, member)
    result = section(client.get(URL), "reviews")
    assert list(rows_of(result, "reviews-recommendations")) == [second.title]
    assert rows_of(result, "reviews-recommendations-status")["Total"] == [2]
    login(client, person(Role.INSPECTOR))
    result = section(client.get(URL), "reviews")
    assert result.table("reviews-recommendations").rows == []
    assert rows_of(result, "reviews-recommendations-status")["Total"] == [0]


def test_reviews_downloads_hold_the_same_numbers_and_no_formula(client, reviews):
    first, second, _ = reviews
    login(client, person(Role.MANAGER))
    url = reverse("reports:dashboard_table", args=["reviews", "reviews-recommendations", "csv"])
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert rows[1] == ["'" + second.title, "Published", "1", "0", "0", "1", "2"]
    assert rows[2] == [first.title, "Published", "1", "1", "1", "0", "3"]
    xlsx = client.get(url.replace(".csv", ".xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'" + second.title
    assert [c.value for c in sheet[3]][2:] == [1, 1, 1, 0, 3]


# --- Feedback ---------------------------------------------------------------------------------

BASE = {
    "scrutiny_kind": "cpo_inspection",
    "respondent_role": "local_coordinator",
    "organisation_rating": "5",
    "coordination_rating": "6",
    "team_rating": "5",
    "staff_support_rating": "6",
    "professional_discussion_rating": "4",
    "engagement_rating": "5",
}


def give_feedback(subject, *, year: int, **answers):
    link, token = feedback_link_create(subject=subject)
    response = response_submit(
        raw_token=token, answers={**BASE, **answers}, form_token=form_token_issue(link=link)
    )
    when = timezone.make_aware(dt.datetime(year, 6, 1, 12))
    Response.objects.filter(pk=response.pk).update(submitted_at=when)
    ResponseLink.objects.filter(pk=link.pk).update(created_at=when)
    return response


@pytest.fixture
def feedback(framework):
    """West Dunbartonshire's inspection: two responses in 2019 (team 6 and 4); Inverclyde's: one
    in 2020 (team 5) and a questionnaire never answered (sent this year); Clackmannanshire's
    partnership self-evaluation: one response in 2019 (team 2, without the yes/no question)."""
    wd_setup = make_plan("west-dunbartonshire")
    wd = wd_setup.inspection
    wd.lead = wd_setup.lead
    ic = make_plan("inverclyde").inspection
    clacks = make_setup(framework, CLACKS).exercise
    give_feedback(wd, year=2019, team_rating="6", illustrations_specific_enough="yes")
    give_feedback(wd, year=2019, team_rating="4", illustrations_specific_enough="no")
    give_feedback(ic, year=2020, team_rating="5", illustrations_specific_enough="yes")
    feedback_link_create(subject=ic)
    give_feedback(clacks, year=2019, team_rating="2", scrutiny_kind="svse")
    return wd, ic, clacks


TEAM = "How well did our team perform?"
TEAM_ROW = f"Q4. {TEAM}"  # numbered as in the chart
ILLUSTRATIONS = "Were the quality indicator illustrations specific enough"


def ratings(result) -> dict[str, list]:
    # Columns: 6 to 1, answered.
    return {r[0].value: [c.value for c in r[1:]] for r in result.table("feedback-ratings").rows}


def answers_to(result, start: str) -> dict[str, int]:
    return {
        r[1].value: r[2].value
        for r in result.table("feedback-answers").rows
        if r[0].value.startswith(start)
    }


def test_feedback_responses_by_kind_and_question(client, feedback):
    login(client, person(Role.MANAGER))
    response = client.get(URL)
    result = section(response, "feedback")
    assert rows_of(result, "feedback-kinds") == {
        "Inspections (after the report)": [4, 3],
        "Partnership self-evaluations (after the letter)": [1, 1],
        "Total": [5, 4],
    }
    assert ratings(result)[TEAM_ROW] == [1, 1, 1, 0, 1, 0, 4]
    assert answers_to(result, ILLUSTRATIONS) == {"Yes": 2, "No": 1, "Not applicable": 0}
    # Three of the four team ratings were 4 or more, said in the inspectorate's words.
    assert any(f"“{TEAM}” (3 of 4) were good or better." in w for w in result.context["words"])
    assert "(3 of 4) were good or better." in response.text
    assert 'id="chart-feedback-ratings-desc"' in response.text


def test_feedback_rows_link_to_their_subjects(client, feedback):
    wd, ic, clacks = feedback
    login(client, person(Role.MANAGER))
    result = section(client.get(URL), "feedback")
    rows = {
        r[0].value: (r[0].href, r[2].value, r[3].value)
        for r in result.table("feedback-subjects").rows
    }
    assert rows[wd.title] == (reverse("inspections:inspection_detail", args=[wd.pk]), 2, 2)
    assert rows[ic.title][1:] == (2, 1)
    assert rows[clacks.title] == (clacks.get_absolute_url(), 1, 1)


def test_feedback_filters(client, feedback):
    login(client, person(Role.MANAGER))
    # 2019: West Dunbartonshire's two and the partnership's one; Inverclyde's fall outside.
    result = section(client.get(URL, {"year_from": 2019, "year_to": 2019}), "feedback")
    assert rows_of(result, "feedback-kinds")["Total"] == [3, 3]
    assert ratings(result)[TEAM_ROW] == [1, 0, 1, 0, 1, 0, 3]
    # The area: Clackmannanshire's partnership does not cover West Dunbartonshire.
    result = section(
        client.get(URL, {"authority": authority_id("west-dunbartonshire")}), "feedback"
    )
    assert rows_of(result, "feedback-kinds") == {
        "Inspections (after the report)": [2, 2],
        "Partnership self-evaluations (after the letter)": [0, 0],
        "Total": [2, 2],
    }
    result = section(client.get(URL, {"authority": authority_id("clackmannanshire")}), "feedback")
    assert rows_of(result, "feedback-kinds")["Total"] == [1, 1]
    # The kind: partnerships only.
    result = section(client.get(URL, {"kind": "svse"}), "feedback")
    assert rows_of(result, "feedback-kinds") == {
        "Partnership self-evaluations (after the letter)": [1, 1],
        "Total": [1, 1],
    }
    assert ratings(result)[TEAM_ROW] == [0, 0, 0, 0, 1, 0, 1]


def test_inspectors_do_not_get_the_feedback_section(client, feedback):
    wd, _, _ = feedback
    login(client, person(Role.INSPECTOR))
    response = client.get(URL)
    assert response.status_code == 200
    assert section(response, "feedback") is None
    assert 'id="feedback"' not in response.text
    login(client, wd.lead)
    assert section(client.get(URL), "feedback") is None
    url = reverse("reports:dashboard_table", args=["feedback", "feedback-kinds", "csv"])
    assert client.get(url).status_code == 404


def test_feedback_downloads_hold_the_same_numbers(client, feedback):
    login(client, person(Role.MANAGER))
    url = reverse("reports:dashboard_table", args=["feedback", "feedback-ratings", "csv"])
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert rows[0][1:] == [
        "6 excellent",
        "5 very good",
        "4 good",
        "3 adequate",
        "2 weak",
        "1 unsatisfactory",
        "Answered",
    ]
    team = next(r for r in rows if r[0] == TEAM_ROW)
    assert team[1:] == ["1", "1", "1", "0", "1", "0", "4"]
    sheet = load_workbook(io.BytesIO(client.get(url.replace(".csv", ".xlsx")).content)).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == TEAM_ROW)
    assert list(row[1:]) == [1, 1, 1, 0, 1, 0, 4]
