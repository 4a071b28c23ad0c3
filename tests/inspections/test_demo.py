"""load_demo's five CPO inspections: built once, reproducible, and valid against the instruments."""

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.selectors import user_context
from inspections import selectors
from inspections.models import (
    Answer,
    FieldworkEvent,
    Inspection,
    Interview,
    InterviewAnswer,
    ModeratedAnswer,
    PopulationRecord,
    Reading,
    SampleRecord,
    ScrutinyActivity,
)
from qi_framework.derivations import CONTEXT_KEYS
from qi_framework.instruments import instrument_evaluate, validate_answer


def reading_context(reading) -> dict:
    data = reading.sample_record.record.data
    return {key: data[key] for key in CONTEXT_KEYS if data.get(key) not in (None, "")}


AUTHORITIES = {
    "scottish-borders",
    "west-dunbartonshire",
    "inverclyde",
    "dumfries-and-galloway",
    "aberdeen-city",
}


@pytest.fixture
def demo(settings, reference_data):
    settings.DEBUG = True

    def load():
        call_command("load_demo", quiet_logins=True)

    return load


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Inspection,
            PopulationRecord,
            SampleRecord,
            Reading,
            Answer,
            ModeratedAnswer,
            Interview,
            InterviewAnswer,
            FieldworkEvent,
        )
    }


def test_load_demo_twice_builds_the_five_inspections_once(demo):
    demo()
    first = counts()
    demo()
    assert counts() == first

    inspections = Inspection.objects.select_related("activity__authority", "activity__sample")
    assert {i.activity.authority.slug for i in inspections} == AUTHORITIES
    assert first["Inspection"] == 5
    cpo_records = PopulationRecord.objects.filter(
        population__activity__scrutiny_kind="cpo_inspection"
    )
    assert cpo_records.count() == 3419
    sizes = [i.activity.sample.size for i in inspections]
    assert all(90 <= size <= 105 for size in sizes)
    assert 480 <= sum(sizes) <= 500
    # Taken to published (inspections/demo_publication.py); plans then open (improvement/).
    assert {i.status for i in inspections} <= {"published", "improvement"}
    assert sorted(i.governance for i in inspections) == ["council", "council", "ijb", "ijb", "ijb"]
    activities = ScrutinyActivity.objects.filter(scrutiny_kind="cpo_inspection")
    assert 205 <= selectors.people_met_total(activities=activities) <= 215
    by_slug = {i.activity.authority.slug: i for i in inspections}
    wd = by_slug["west-dunbartonshire"].activity
    assert selectors.interview_counts(activity=wd).consented == 28
    assert selectors.interview_counts(activity=by_slug["scottish-borders"].activity).consented > 30
    # Reading stages: two inspections fully read, Aberdeen City drawn but not read.
    for slug in ("scottish-borders", "west-dunbartonshire"):
        readings = Reading.objects.filter(sample_record__sample__activity__authority__slug=slug)
        assert not readings.exclude(status=Reading.Status.SUBMITTED).exists()
    assert not Answer.objects.filter(
        reading__sample_record__sample__activity__authority__slug="aberdeen-city"
    ).exists()
    assert ModeratedAnswer.objects.exists()
    # The local co-reader of West Dunbartonshire is on that inspection only.
    co_reader = User.objects.get(email="coreader@demo.test")
    assert user_context(co_reader).is_assigned(wd, "local_co_reader")
    assert not user_context(co_reader).is_assigned(
        by_slug["inverclyde"].activity, "local_co_reader"
    )


def test_every_demo_answer_validates_against_the_instrument(demo):
    demo()
    readings = Reading.objects.select_related(
        "instrument_version", "sample_record__record"
    ).prefetch_related("answers__question")
    checked = 0
    for reading in readings:
        answers = list(reading.answers.all())
        if not answers:
            continue
        typed = {a.question.code: a.value for a in answers if not a.question.is_derived}
        evaluation = instrument_evaluate(
            reading.instrument_version, typed, reading_context(reading)
        )
        visible = {q.code for q in evaluation.visible}
        for answer in answers:
            question = answer.question
            assert question.code in visible, (reading, question.code)
            if question.is_derived:
                assert evaluation.derived[question.code] == answer.value, (reading, question.code)
            else:
                check = validate_answer(question, answer.value)
                assert check.error is None, (reading, question.code, answer.value)
                assert check.value == answer.value
            checked += 1
        if reading.status == Reading.Status.SUBMITTED:
            assert evaluation.missing_required == [], reading
    assert checked > 10_000
    for interview in Interview.objects.prefetch_related("answers__question"):
        values = {a.question.code: a.value for a in interview.answers.all()}
        evaluation = instrument_evaluate(interview.instrument_version, values)
        assert evaluation.missing_required == []
        for answer in interview.answers.all():
            assert validate_answer(answer.question, answer.value).error is None
