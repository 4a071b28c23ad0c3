"""A real Celery worker renders the national report, and the PDF carries the review's own values.

Two reviews with different areas, sample sizes and recommendations: each PDF has its own
areas' names, its recommendation's text and its sample sizes in the methodology table, and
none of the other review's.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from inspections.models import Answer, Reading, SampleRecord
from qi_framework.models import Question
from reports.models import Document, FigureRegister
from tests.pdf import pdf_info as _info
from tests.pdf import pdf_text as _text
from tests.pdf import wait_for_document as _wait
from tests.throughcare.factories import make_population, make_review, make_sample
from throughcare.models import ReviewRecommendation
from throughcare.services.outputs import national_report_request, report_narrative_update

FIXTURES = [
    {
        "title": "Throughcare review of breach and recall",
        "areas": [
            ("glasgow-city", "Glasgow City", 40, 7),
            ("west-dunbartonshire", "West Dunbartonshire", 23, 5),
        ],
        "recommendation": "Develop a learning and development pathway for throughcare staff.",
        "conclusion": "We were assured that breach and recall processes operated as they should.",
    },
    {
        "title": "Review of throughcare in the north",
        "areas": [("highland", "Highland", 31, 9), ("fife", "Fife", 27, 6)],
        "recommendation": "Remove the delays in sharing LS/CMI assessments from prison.",
        "conclusion": "We were assured, with reservations about access to mental health support.",
    },
]  # fmt: skip


def _read_two(area, reader) -> None:
    """Submit the first readings of two sampled records, rating the plan's quality 5 and 2."""
    version = area.activity.reading_instrument
    question = Question.objects.filter(version=version, kind=Question.Kind.RATING_6).first()
    records = SampleRecord.objects.filter(sample__activity=area.activity).order_by("rank")[:2]
    for record, grade in zip(records, (5, 2), strict=True):
        reading = Reading.objects.create(
            sample_record=record,
            reader=reader,
            instrument_version=version,
            status=Reading.Status.SUBMITTED,
        )
        answer = Answer(reading=reading, updated_by=reader)
        answer.set_value(question, grade)
        answer.save()


def _make(fixture):
    review = make_review(fixture["title"], authorities=tuple(a[0] for a in fixture["areas"]))
    for area, (_, _, population, sample) in zip(review.test_areas, fixture["areas"], strict=True):
        make_population(area, size=population, prefix=area.activity.authority.slug[:2].upper())
        make_sample(area, size=sample)
        _read_two(area, review.lead)
    ReviewRecommendation.objects.create(
        review=review, text=fixture["recommendation"], owner="Scottish Government", position=1
    )
    report_narrative_update(
        review=review, sections={"conclusion": fixture["conclusion"]}, by=review.lead
    )
    return review


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_each_national_report_with_its_own_values(celery_worker, framework):
    texts = []
    for fixture in FIXTURES:
        review = _make(fixture)
        document = national_report_request(review=review, by=review.lead)
        assert FigureRegister.objects.filter(document=document).exists()
        document = _wait(document.pk, celery_worker)
        assert document.state == Document.State.READY, document.failure_reason
        path = Path(settings.MEDIA_ROOT) / document.file.name
        assert re.search(r"^Tagged:\s+yes$", _info(path), re.M)
        text = _text(path)
        assert fixture["title"] in text
        assert fixture["recommendation"] in text
        assert fixture["conclusion"] in text
        total_population = total_sample = 0
        for _, name, population, sample in fixture["areas"]:
            # The methodology table: area, population, sample, records read (two each).
            assert f"{name} {population} {sample} 2" in text, name
            total_population += population
            total_sample += sample
        assert f"All areas {total_population} {total_sample} 4" in text
        assert "Contents" in text and "Appendix 1: Quality indicators considered" in text
        texts.append(text)
    first, second = texts
    assert "Highland" not in first and "Glasgow City" not in second
    assert FIXTURES[1]["recommendation"] not in first
    assert FIXTURES[0]["recommendation"] not in second
