"""The throughcare review's demo step: built once, with four areas, samples by licence type,
readings valid against the reading tool, and tracked recommendations."""

import pytest

from core.demo import DemoContext
from inspections.models import Answer, FieldworkEvent, PopulationRecord, Reading, SampleRecord
from qi_framework.derivations import CONTEXT_KEYS
from qi_framework.instruments import instrument_evaluate
from throughcare.models import (
    AreaMeeting,
    PositionStatement,
    RecommendationUpdate,
    ReviewArea,
    ReviewRecommendation,
    ThematicReview,
)

pytestmark = pytest.mark.django_db


def run_step() -> DemoContext:
    from accounts.demo import demo_people
    from throughcare.demo import demo_throughcare_review

    context = DemoContext()
    demo_people(context)
    demo_throughcare_review(context)
    return context


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            ThematicReview,
            ReviewArea,
            PositionStatement,
            PopulationRecord,
            SampleRecord,
            Reading,
            Answer,
            FieldworkEvent,
            AreaMeeting,
            ReviewRecommendation,
            RecommendationUpdate,
        )
    }


def test_demo_step_runs_twice_and_builds_the_review_once(reference_data):
    run_step()
    first = counts()
    context = run_step()
    assert counts() == first

    review = ThematicReview.objects.get()
    assert review.status == ThematicReview.Status.FOLLOW_UP
    assert review.published_on.year == 2021 and review.published_on.month == 9
    areas = list(review.areas.select_related("activity__authority", "activity__sample"))
    assert len(areas) == 4
    assert "glasgow-city" in {a.activity.authority.slug for a in areas}
    for area in areas:
        sample = area.activity.sample
        assert sample.stratify_by == "licence_type"
        strata = set(
            sample.records.filter(role=SampleRecord.Role.SAMPLED).values_list("stratum", flat=True)
        )
        population_types = {r.data["licence_type"] for r in area.activity.population.records.all()}
        assert strata == population_types  # every licence type present is sampled
        assert area.position_statement.reviewed_at is not None
        assert area.meetings.count() == 2
    assert Reading.objects.filter(status=Reading.Status.SUBMITTED).count() > 50
    # Some records are read twice, and the readers sometimes disagree (for moderation).
    from inspections import selectors as inspection_selectors

    assert Reading.objects.filter(order=Reading.Order.SECOND).exists()
    assert any(inspection_selectors.discrepancy_list(sample=a.activity.sample) for a in areas)
    assert ReviewRecommendation.objects.filter(review=review).count() == 4
    assert RecommendationUpdate.objects.exists()
    # The Glasgow contact sees Glasgow's area only.
    contact = context.people["throughcare_contact"]
    glasgow = next(a for a in areas if a.activity.authority.slug == "glasgow-city")
    fife = next(a for a in areas if a.activity.authority.slug == "fife")
    assert contact.has_perm("throughcare.view_area", glasgow)
    assert not contact.has_perm("throughcare.view_area", fife)


def test_demo_readings_are_valid_against_the_reading_tool(reference_data):
    run_step()
    readings = Reading.objects.filter(status=Reading.Status.SUBMITTED).select_related(
        "sample_record__record", "instrument_version"
    )[:15]
    for reading in readings:
        answers = {a.question.code: a.value for a in reading.answers.select_related("question")}
        data = reading.sample_record.record.data
        context = {k: data[k] for k in CONTEXT_KEYS if data.get(k) not in (None, "")}
        evaluation = instrument_evaluate(reading.instrument_version, answers, context)
        assert evaluation.missing_required == [], reading.sample_record.record.reference
        assert answers["licence_type"] == data["licence_type"]
