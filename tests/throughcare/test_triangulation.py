"""Triangulation by QI: hand-computed figures on a small fixed data set, and who may see them.

The data set (`build`): two areas, each with a population stratified by licence type and a
sample; four small instruments of this test's own, so every number below is worked out by hand
whatever the product's instruments ask.

QI 5.2, record reading (answers that count, submitted first readings only):
- Glasgow: quality 5, 4, 3, 2 → moderated to 4 → good or better 3 of 4; timely yes, yes, no,
  not applicable → yes 2 of 3. A fifth record's reading is in progress: not counted.
- West Dunbartonshire: quality 6, 6, 1 → 2 of 3; timely yes, no, no → 1 of 3.
- Pooled: (3 + 2 + 2 + 1) of (4 + 3 + 3 + 3) = 8 of 13 (61.5%).
Staff survey: Glasgow strongly agree, agree, disagree (2 of 3); West Dunbartonshire disagree,
don't know (0 of 1: don't know is left out) → 2 of 4 (50%).
Prison survey: yes, yes, no, not sure → 2 of 3 (66.7%). Interviews: yes, no → 1 of 2 (50%).
With a 15-point threshold, staff survey v prison survey (16.7) and prison survey v interviews
(16.7) differ; every other pair agrees.
"""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.models import Organisation, Role
from accounts.services import assignment_create
from inspections.models import (
    Answer,
    ModeratedAnswer,
    Population,
    PopulationRecord,
    Reading,
    Sample,
    SampleRecord,
    ScrutinyActivity,
)
from inspections.sampling import ALGORITHM_VERSION
from qi_framework.instruments.services import instrument_load
from qi_framework.models import Question, ResponseAnswer, ScrutinyKind
from qi_framework.responses import form_token_issue, response_link_create, response_submit
from tests.factories import login, person
from throughcare.models import ReviewArea, SurveyTheme, ThematicReview, ThemeTag
from throughcare.selectors.surveys import INTERVIEW_LINK_LABEL
from throughcare.selectors.triangulation import (
    figure_records,
    review_figures,
    triangulation,
    triangulation_index,
)

FRAMEWORK = {"code": "cj-2016", "version": 1}


def _instrument(code: str, purpose: str, questions: list[dict]) -> dict:
    return {
        "format": "instrument",
        "instrument": {"code": code, "name": code, "purpose": purpose},
        "version": {"version": 1, "status": "published", "framework": FRAMEWORK},
        "sections": [{"code": "main", "title": "Main", "help": "", "questions": questions}],
    }


READING = _instrument(
    "t3-test-reading",
    "record_reading",
    [
        {"code": "quality", "text": "Quality of the LS/CMI", "kind": "rating_6", "qis": ["5.2"]},
        {"code": "timely", "text": "Was it on time?", "kind": "yes_no_na", "qis": ["5.2"]},
        {"code": "recalled", "text": "Was the person recalled?", "kind": "yes_no_na",
         "qis": ["2.1"], "options": [{"value": "yes", "label": "Yes", "positive": False}]},
    ],
)  # fmt: skip
AGREE = [
    {"value": "strongly_agree", "label": "Strongly agree", "positive": True},
    {"value": "agree", "label": "Agree", "positive": True},
    {"value": "disagree", "label": "Disagree"},
    {"value": "dont_know", "label": "Don’t know"},
]
STAFF = _instrument(
    "t3-test-staff",
    "survey",
    [
        {"code": "works", "text": "The LS/CMI process works", "kind": "single_choice",
         "options": AGREE, "qis": ["5.2"]},
        {"code": "comments", "text": "Anything else?", "kind": "text", "qis": ["5.2"]},
    ],
)  # fmt: skip
PRISON = _instrument(
    "t3-test-prison",
    "survey",
    [
        {"code": "fair", "text": "Was your recall fair?", "kind": "single_choice",
         "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"},
                     {"value": "not_sure", "label": "Not sure"}],
         "qis": ["2.1", "5.2"]},
    ],
)  # fmt: skip
INTERVIEW = _instrument(
    "t3-test-interview",
    "interview",
    [{"code": "prepared", "text": "Were you prepared?", "kind": "yes_no_na", "qis": ["5.2"]}],
)


@dataclass
class Built:
    review: ThematicReview
    glasgow: ReviewArea
    wd: ReviewArea
    lead: object
    records: dict  # area slug -> list of SampleRecord (in sample order)
    readings: dict  # SampleRecord id -> Reading


def _area(review, slug, instruments, position) -> ReviewArea:
    authority = Organisation.objects.get(slug=slug)
    activity = ScrutinyActivity.objects.create(
        title=f"{review.title}: {authority.name}",
        scrutiny_kind=ScrutinyKind.THROUGHCARE_REVIEW,
        authority=authority,
        framework=review.framework,
        population_schema="throughcare",
        reading_instrument=instruments["reading"],
        interview_instrument=instruments["interview"],
    )
    return ReviewArea.objects.create(review=review, activity=activity, position=position)


def _population(area, prefix, licences) -> list[PopulationRecord]:
    population = Population.objects.create(
        activity=area.activity, schema="throughcare", row_count=len(licences)
    )
    return PopulationRecord.objects.bulk_create(
        PopulationRecord(
            population=population,
            reference=f"{prefix}-{i:03d}",
            row_number=i + 2,
            data={"licence_type": licence},
        )
        for i, licence in enumerate(licences)
    )


def _sample(area, records) -> tuple[Sample, list[SampleRecord]]:
    sample = Sample.objects.create(
        activity=area.activity,
        seed="t3",
        algorithm_version=ALGORITHM_VERSION,
        stratify_by="licence_type",
        calculated_size=len(records),
        size=len(records),
        allocation={},
    )
    rows = [
        SampleRecord.objects.create(
            sample=sample,
            record=record,
            stratum=record.data["licence_type"],
            rank=rank,
            role=SampleRecord.Role.SAMPLED,
        )
        for rank, record in enumerate(records, 1)
    ]
    return sample, rows


def _read(sample_record, reader, answers: dict, *, submitted=True) -> Reading:
    version = sample_record.sample.activity.reading_instrument
    reading = Reading.objects.create(
        sample_record=sample_record,
        reader=reader,
        instrument_version=version,
        status=Reading.Status.SUBMITTED if submitted else Reading.Status.IN_PROGRESS,
    )
    for code, value in answers.items():
        answer = Answer(reading=reading, updated_by=reader)
        answer.set_value(Question.objects.get(version=version, code=code), value)
        answer.save()
    return reading


def _respond(version, subject, answers: dict, label: str = "Test") -> None:
    link, token = response_link_create(
        instrument_version=version, subject=subject, single_use=False, label=label
    )
    response_submit(raw_token=token, answers=answers, form_token=form_token_issue(link=link))


def build(framework, *, title="Throughcare review of breach and recall") -> Built:
    instruments = {
        key: instrument_load(data=data)[0]
        for key, data in (
            ("reading", READING),
            ("staff", STAFF),
            ("prison", PRISON),
            ("interview", INTERVIEW),
        )
    }
    lead = person(Role.INSPECTOR)
    review = ThematicReview.objects.create(
        title=title,
        commissioned_by="The Recover, Renew, Transform programme’s subgroup",
        focus="Breach of licence and recall to custody.",
        framework=framework,
        starts_on=dt.date(2021, 3, 1),
        reading_instrument=instruments["reading"],
        staff_survey_instrument=instruments["staff"],
        prison_survey_instrument=instruments["prison"],
        interview_instrument=instruments["interview"],
        status=ThematicReview.Status.ANALYSIS,
    )
    review.quality_indicators.set(framework.quality_indicators.filter(code__in=["2.1", "5.2"]))
    assignment_create(user=lead, kind="review_lead", target=review)
    glasgow = _area(review, "glasgow-city", instruments, 1)
    wd = _area(review, "west-dunbartonshire", instruments, 2)
    for area in (glasgow, wd):  # as the review's services do: the lead leads each area's work
        assignment_create(user=lead, kind="lead_inspector", target=area.activity)
    glasgow.staff_survey_population = 10
    glasgow.save()

    records, readings = {}, {}
    population = _population(glasgow, "GC", ["parole"] * 6 + ["sro"] * 4)
    sample, rows = _sample(glasgow, population[:3] + population[6:8])
    records["glasgow-city"] = rows
    for row, answers in zip(
        rows[:4],
        [
            {"quality": 5, "timely": "yes", "recalled": "yes"},
            {"quality": 4, "timely": "yes", "recalled": "no"},
            {"quality": 3, "timely": "no"},
            {"quality": 2, "timely": "na"},
        ],
        strict=True,
    ):
        readings[row.pk] = _read(row, lead, answers)
    readings[rows[4].pk] = _read(rows[4], lead, {"quality": 6, "timely": "yes"}, submitted=False)
    moderated = ModeratedAnswer(
        sample_record=rows[3], reason="Agreed at moderation.", moderated_by=lead
    )
    moderated.set_value(Question.objects.get(version=instruments["reading"], code="quality"), 4)
    moderated.save()

    population = _population(wd, "WD", ["parole"] * 6)
    sample, rows = _sample(wd, population[:3])
    records["west-dunbartonshire"] = rows
    for row, answers in zip(
        rows,
        [{"quality": 6, "timely": "yes"}, {"quality": 6, "timely": "no"},
         {"quality": 1, "timely": "no"}],
        strict=True,
    ):  # fmt: skip
        readings[row.pk] = _read(row, lead, answers)

    for answer in ("strongly_agree", "agree", "disagree"):
        _respond(instruments["staff"], glasgow, {"works": answer, "comments": f"Said {answer}"})
    for answer in ("disagree", "dont_know"):
        _respond(instruments["staff"], wd, {"works": answer})
    for answer in ("yes", "yes", "no", "not_sure"):
        _respond(instruments["prison"], review, {"fair": answer})
    for answer in ("yes", "no"):
        _respond(instruments["interview"], review, {"prepared": answer}, INTERVIEW_LINK_LABEL)

    training = SurveyTheme.objects.create(review=review, name="Training")
    hearings = SurveyTheme.objects.create(review=review, name="Parole hearings")
    texts = list(ResponseAnswer.objects.filter(question__code="comments").order_by("pk"))
    ThemeTag.objects.create(theme=training, answer=texts[0], tagged_by=lead)
    ThemeTag.objects.create(theme=training, answer=texts[1], tagged_by=lead)
    ThemeTag.objects.create(theme=hearings, answer=texts[2], tagged_by=lead)
    return Built(review, glasgow, wd, lead, records, readings)


@pytest.fixture
def built(framework):
    return build(framework)


def _figure(figures, code):
    return next(f for f in figures if f.code == code)


@pytest.mark.django_db
def test_each_source_counts_what_was_hand_computed(built):
    result = triangulation(review=built.review, code="5.2")
    by_source = {s.source.key: s for s in result.sources}
    reading = by_source["reading"]
    assert reading.units == 7  # 4 + 3 submitted readings; the one in progress is left out
    assert (reading.positive.numerator, reading.positive.denominator) == (8, 13)
    quality, timely = reading.questions
    assert (quality.positive.numerator, quality.positive.denominator) == (5, 7)  # moderated 2→4
    assert (timely.positive.numerator, timely.positive.denominator) == (3, 6)  # n/a left out
    assert {row.label: row.numerator for row in timely.rows} == {
        "Yes": 3, "No": 3, "Not applicable": 1,
    }  # fmt: skip
    assert quality.sentence == (
        "The majority of records (5 of 7) were rated good or better for “Quality of the LS/CMI”."
    )
    assert (by_source["staff"].positive.numerator, by_source["staff"].positive.denominator) == (
        2,
        4,
    )
    assert (by_source["prison"].positive.numerator, by_source["prison"].positive.denominator) == (
        2,
        3,
    )
    assert by_source["interview"].positive.words == "1 of 2"

    areas = {row.area.name: row for row in result.areas}
    assert areas["Glasgow City"].reading.positive.words == "5 of 7"  # 3 of 4 + 2 of 3
    assert areas["West Dunbartonshire"].reading.positive.words == "3 of 6"
    assert areas["Glasgow City"].staff.positive.words == "2 of 3"
    assert areas["West Dunbartonshire"].staff.positive.words == "0 of 1"

    assert result.themes == [
        ("Training", "Staff survey", 2),
        ("Parole hearings", "Staff survey", 1),
    ]


@pytest.mark.django_db
def test_sources_that_differ_by_more_than_the_threshold_are_flagged(built):
    result = triangulation(review=built.review, code="5.2", threshold=15)
    flagged = {(c.first.source.key, c.second.source.key): c.points for c in result.differences}
    assert flagged == {("staff", "prison"): 17, ("prison", "interview"): 17}
    assert "more than 15 percentage points" in result.summary
    staff_prison = next(
        c
        for c in result.comparisons
        if c.first.source.key == "staff" and c.second.source.key == "prison"
    )
    assert staff_prison.sentence == (
        "A lower proportion of answers in the staff survey were positive (2 of 4) than those in "
        "the prison survey (2 of 3)."
    )
    # A wider threshold: everything agrees.
    assert triangulation(review=built.review, code="5.2", threshold=20).differences == []
    index = {line.quality_indicator.code: line for line in triangulation_index(review=built.review)}
    assert index["5.2"].differences == 2
    # QI 2.1: "Was the person recalled?" is marked descriptive (no option positive): its
    # answers are counted but it is not compared; the prison survey's question is.
    sources = {s.source.key: s for s in index["2.1"].sources}
    recalled = sources["reading"].questions[0]
    assert recalled.positive is None and sources["reading"].positive is None
    assert {row.label: row.numerator for row in recalled.rows}["Yes"] == 1
    assert (
        recalled.sentence
        == "Half of the records (1 of 2) answered “Yes” to “Was the person recalled”."
    )
    assert sources["prison"].positive.words == "2 of 3"


@pytest.mark.django_db
def test_review_figures_carry_the_numbers_and_the_records_behind_them(built):
    figures = review_figures(review=built.review)
    assert set(figures) == {"2.1", "5.2", "method"}
    method = figures["method"]
    records = _figure(method, "M-records")
    assert (records.numerator, records.denominator) == (7, 16)
    assert _figure(method, "M-read-a1").words == "4 of 10 records"
    assert _figure(method, "M-sample-a1").numerator == 5
    parole = _figure(method, "M-type1")
    assert (parole.numerator, parole.denominator) == (6, 12)  # 3 + 3 read of 6 + 6
    sro = _figure(method, "M-type2")
    assert (sro.numerator, sro.denominator) == (1, 4)
    assert _figure(method, "M-staff-a1").words == "3 responses (3 of 10)"
    assert _figure(method, "M-prison").numerator == 4
    assert _figure(method, "M-interviews").numerator == 2

    quality = Question.objects.get(version=built.review.reading_instrument, code="quality")
    good = _figure(figures["5.2"], f"5.2-R{quality.position}-pos")
    assert (good.numerator, good.denominator) == (5, 7)
    glasgow = {r.pk: r for r in built.records["glasgow-city"]}
    wd = built.records["west-dunbartonshire"]
    rows = list(glasgow.values())
    expected = {rows[0].pk, rows[1].pk, rows[3].pk, wd[0].pk, wd[1].pk}
    assert {pk for pk, _ in good.records} == expected
    assert good.records_url.endswith(f"/triangulation/figures/{good.code}/")
    found = figure_records(review=built.review, figure_code=good.code)
    assert {r.reference for r in found.records} == {
        "GC-000",
        "GC-001",
        "GC-006",
        "WD-000",
        "WD-001",
    }
    # Survey figures name no records: nothing identifies who answered.
    staff = _figure(figures["5.2"], "5.2-S-pos")
    assert staff.records == () and staff.records_url == ""


@pytest.mark.django_db
def test_the_review_team_sees_the_pages_and_each_figure_links_to_its_records(client, built):
    login(client, built.lead)
    review = built.review
    page = client.get(reverse("throughcare:triangulation_index", args=[review.pk]))
    assert page.status_code == 200
    assert "8 of 13" in page.content.decode()
    page = client.get(reverse("throughcare:triangulation_detail", args=[review.pk, "5.2"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "8 of 13" in html and "2 of 4" in html and "Differ" in html and "Training" in html
    quality = Question.objects.get(version=review.reading_instrument, code="quality")
    code = f"5.2-R{quality.position}-g6"
    records_url = reverse("throughcare:triangulation_records", args=[review.pk, code])
    assert records_url in html
    page = client.get(records_url)
    html = page.content.decode()
    assert "WD-000" in html and "WD-001" in html and "GC-000" not in html
    reading = built.readings[built.records["west-dunbartonshire"][0].pk]
    assert reverse("inspections:reading_update", args=[reading.pk]) in html
    # A wider threshold, asked for on the page.
    page = client.get(
        reverse("throughcare:triangulation_detail", args=[review.pk, "5.2"]), {"threshold": 20}
    )
    assert "Differ<" not in page.content.decode()
    missing = client.get(reverse("throughcare:triangulation_detail", args=[review.pk, "9.9"]))
    assert missing.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["area_contact", "inspector_off_team", "co_ordinator"])
def test_people_outside_the_review_team_get_nothing(client, built, who):
    user = {
        "area_contact": lambda: person(Role.AUTHORITY_CONTACT, "glasgow-city"),
        "inspector_off_team": lambda: person(Role.INSPECTOR),
        "co_ordinator": lambda: person(Role.LOCAL_COORDINATOR, "west-dunbartonshire"),
    }[who]()
    login(client, user)
    review = built.review
    for url in (
        reverse("throughcare:triangulation_index", args=[review.pk]),
        reverse("throughcare:triangulation_detail", args=[review.pk, "5.2"]),
        reverse("throughcare:triangulation_records", args=[review.pk, "M-records"]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"GC-000" not in response.content and b"8 of 13" not in response.content


@pytest.mark.django_db
def test_a_manager_sees_every_review_analysis(client, built):
    login(client, person(Role.MANAGER))
    page = client.get(reverse("throughcare:triangulation_detail", args=[built.review.pk, "5.2"]))
    assert page.status_code == 200


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_inspector_follows_a_figure_to_its_records_and_their_readings(
    page, live_server, framework, csp_violations
):
    from playwright.sync_api import expect

    from tests.e2e.helpers import assert_accessible, sign_in

    built = build(framework)
    review = built.review
    sign_in(page, live_server, built.lead)
    page.goto(live_server.url + reverse("throughcare:triangulation_index", args=[review.pk]))
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^5\.2 ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("5.2")
    expect(page.get_by_test_id("source-reading")).to_contain_text("8 of 13")
    expect(page.get_by_test_id("summary")).to_contain_text("differ by more than 15")
    assert_accessible(page)
    # The flagged difference follows the threshold asked for.
    page.get_by_text("Change the difference that is flagged").click()
    page.get_by_label("Difference to flag, in percentage points").fill("20")
    page.get_by_role("button", name="Show differences").click()
    expect(page.get_by_test_id("summary")).to_contain_text("agree")
    # Each reading figure lists its records, each linked to its reading.
    page.get_by_role("link", name=re.compile("in West Dunbartonshire: see the records")).click()
    expect(page.get_by_test_id("records")).to_contain_text("WD-000")
    expect(page.get_by_test_id("records")).not_to_contain_text("GC-000")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^WD-000")).click()
    reading = built.readings[built.records["west-dunbartonshire"][0].pk]
    assert page.url.endswith(reverse("inspections:reading_update", args=[reading.pk]))
    expect(page.get_by_text("WD-000").first).to_be_visible()  # the reading page opened
    assert csp_violations == []


@pytest.mark.django_db
def test_every_reading_figure_the_page_links_to_has_its_records(client, built):
    """Each "see the records" link on the page opens the records of that very figure."""
    login(client, built.lead)
    review = built.review
    html = client.get(
        reverse("throughcare:triangulation_detail", args=[review.pk, "5.2"])
    ).content.decode()
    prefix = reverse("throughcare:triangulation_records", args=[review.pk, "X"])[:-2]
    codes = set(re.findall(re.escape(prefix) + r"([^/]+)/", html))
    assert {"5.2-R-pos", "5.2-R-pos-a1", "5.2-R-pos-a2"} <= codes
    for code in codes:
        page = client.get(reverse("throughcare:triangulation_records", args=[review.pk, code]))
        assert page.status_code == 200, code
    glasgow = client.get(
        reverse("throughcare:triangulation_records", args=[review.pk, "5.2-R-pos-a1"])
    ).content.decode()
    assert "5 of 7" in glasgow and "GC-000" in glasgow and "WD-000" not in glasgow
