"""`generate_demo_data`: it makes consistent CPO data, refuses to run twice, and leaves the
dashboard summaries in step with the answers (checked against inspections' own
`answers_that_count`, an independent reading of the same rule)."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from inspections.models import Answer, Evaluation, Inspection, Reading, SampleRecord
from inspections.selectors import answers_that_count
from reports.dashboards.measures import QUESTION_CODES
from reports.management.commands.generate_demo_data import ALREADY_LOADED, MARK
from reports.models import ActivitySummary, SummaryCount

pytestmark = pytest.mark.django_db


def generate(**options) -> str:
    out = io.StringIO()
    call_command("generate_demo_data", scale="small", stdout=out, **options)
    return out.getvalue()


def test_small_scale_makes_inspections_readings_and_grades(reference_data):
    output = generate(authorities=2, years=3)
    inspections = Inspection.objects.filter(title__endswith=MARK)
    assert inspections.count() == 6  # two authorities, every year at small scale
    assert Reading.objects.filter(sample_record__sample__activity__inspection__in=inspections)
    # Every reading of a sampled record answers the tool's questions (one row each).
    reading = Reading.objects.filter(order=Reading.Order.FIRST).first()
    assert Answer.objects.filter(reading=reading).count() == 73
    # Grades exist only for inspections past evaluation, and are agreed (locked).
    graded = Inspection.objects.filter(evaluations__isnull=False).distinct()
    assert graded and all(i.evaluation_record.locked_at for i in graded)
    assert not Evaluation.objects.filter(
        inspection__status__in=[Inspection.Status.PLANNED, Inspection.Status.FIELDWORK]
    ).exists()
    assert "Generated 6 inspections" in output


def test_refuses_to_run_twice(reference_data):
    generate(authorities=1, years=1)
    with pytest.raises(CommandError) as error:
        generate(authorities=1, years=1)
    assert str(error.value) == ALREADY_LOADED.format(mark=MARK)


def test_the_same_seed_gives_the_same_answers(reference_data):
    generate(authorities=1, years=1, seed="fixed")
    first = sorted(
        Answer.objects.filter(question__code="cjswr_quality").values_list(
            "reading__sample_record__record__reference", "value_number"
        )
    )
    assert first
    # Not a second run in the same database (refused): the answers are drawn from the seed
    # alone, so regenerating them in memory gives the same values.
    import random

    from reports.management.commands.generate_demo_data import SCALES, Generator

    rng_a, rng_b = random.Random("x"), random.Random("x")
    a = Generator(SCALES["small"], rng_a, io.StringIO())
    b = Generator(SCALES["small"], rng_b, io.StringIO())
    a.reference(), b.reference()
    quality = next(q for q in a.questions if q.code == "cjswr_quality")
    assert [a.value(quality, 0.3) for _ in range(50)] == [b.value(quality, 0.3) for _ in range(50)]


def test_summaries_agree_with_answers_that_count(reference_data):
    generate(authorities=2, years=2)
    summaries = ActivitySummary.objects.select_related("activity__sample")
    assert summaries and all(s.is_current for s in summaries)
    for summary in summaries:
        sample = getattr(summary.activity, "sample", None)
        expected: Counter = Counter()
        if sample is not None:
            counted = set(
                sample.records.filter(
                    role=SampleRecord.Role.SAMPLED, status=SampleRecord.Status.ACTIVE
                ).values_list("pk", flat=True)
            )
            for (record_id, code), value in answers_that_count(sample=sample).items():
                if record_id in counted and code in QUESTION_CODES and value is not None:
                    expected[(code, str(value))] += 1
        stored = Counter(
            {
                (key, value): n
                for key, value, n in SummaryCount.objects.filter(
                    summary=summary, key__in=QUESTION_CODES
                ).values_list("key", "value", "count")
            }
        )
        assert stored == expected, summary.activity
