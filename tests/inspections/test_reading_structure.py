"""The record page's tool structure is read once per process for a published version, and
always afresh for a draft (inspections.selectors.readings.instrument_structure)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections.selectors.readings import instrument_structure
from qi_framework import instruments

pytestmark = pytest.mark.django_db

CPO = "cpo-file-reading"


def test_a_published_version_is_read_once(reference_data):
    version = instruments.instrument_version_get(code=CPO, version=1)
    assert version.status == "published"
    first = instrument_structure(version=version)
    with CaptureQueriesContext(connection) as queries:
        again = instrument_structure(version=version)
    assert again is first
    assert len(queries) == 0
    assert [q.code for q in again.questions] == list(
        version.questions.order_by("position").values_list("code", flat=True)
    )


def test_a_draft_is_read_afresh_so_an_edit_shows_at_once(reference_data):
    draft = instruments.instrument_version_copy(
        version=instruments.instrument_version_get(code=CPO, version=1)
    )
    question = draft.questions.order_by("position").first()
    before = instrument_structure(version=draft)
    assert before.questions[0].text == question.text
    instruments.question_update(question=question, text="Quality of the report, reworded")
    after = instrument_structure(version=draft)
    assert after is not before
    assert after.questions[0].text == "Quality of the report, reworded"
