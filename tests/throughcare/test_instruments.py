"""The four throughcare instruments load with the product's loader, are published, and link
their questions to the QIs a throughcare review considers."""

import pytest

from qi_framework.instruments import instrument_version_current, instruments_load_all, questions_of
from qi_framework.instruments.evaluation import instrument_evaluate
from qi_framework.models import Instrument, InstrumentVersion

CONSIDERED = {"2.1", "3.1", "5.1", "5.2", "5.3", "6.1", "7.1"}
CODES = {
    "throughcare-file-reading": "record_reading",
    "throughcare-staff-survey": "survey",
    "throughcare-prison-survey": "survey",
    "throughcare-recall-interview": "interview",
}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("code", "purpose"), CODES.items())
def test_instrument_is_loaded_and_published(reference_data, code, purpose):
    version = instrument_version_current(code=code)
    assert version is not None, f"{code} was not loaded"
    assert version.status == InstrumentVersion.Status.PUBLISHED
    instrument = Instrument.objects.get(code=code)
    assert instrument.purpose == purpose
    assert instrument.scrutiny_kind == "throughcare_review"


@pytest.mark.parametrize("code", CODES)
def test_questions_link_only_to_considered_qis_and_cover_several(reference_data, code):
    version = instrument_version_current(code=code)
    linked = set()
    for question in questions_of(version):
        codes = set(question.qis.values_list("code", flat=True))
        assert codes <= CONSIDERED, f"{question.code} links to {codes - CONSIDERED}"
        linked |= codes
    assert len(linked) >= 3


def test_reading_tool_evidences_every_considered_qi(reference_data):
    version = instrument_version_current(code="throughcare-file-reading")
    linked = set()
    for question in questions_of(version):
        linked |= set(question.qis.values_list("code", flat=True))
    assert {"5.1", "5.2", "5.3", "6.1"} <= linked
    codes = {q.code for q in questions_of(version)}
    assert {
        "hbr_quality",
        "lscmi_shared_from_prison",
        "cmp_timely",
        "plan_accommodation",
        "plan_mental_health",
        "reviews_template",
        "supervision_robust",
        "non_compliance_response",
        "rmp_quality",
        "recall_appropriate",
        "recall_timely",
        "could_have_avoided_detail",
        "oral_hearing",
    } <= codes


def test_reading_tool_fills_the_licence_type_from_the_record(reference_data):
    version = instrument_version_current(code="throughcare-file-reading")
    evaluation = instrument_evaluate(
        version, {}, {"licence_type": "voluntary", "release_date": "2020-05-05"}
    )
    assert evaluation.derived["licence_type"] == "voluntary"
    shown = {q.code for q in evaluation.visible}
    # Voluntary throughcare is not a licence: no LS/CMI, reviews or parole questions.
    assert "lscmi_present" not in shown and "reviews_held" not in shown
    parole = instrument_evaluate(version, {"non_compliance": "yes"}, {"licence_type": "parole"})
    shown = {q.code for q in parole.visible}
    assert {"lscmi_present", "breach_report", "could_have_avoided"} <= shown
    assert "recall_appropriate" not in shown  # only once a recall is recorded


def test_loading_again_changes_nothing(reference_data):
    before = InstrumentVersion.objects.count()
    results = instruments_load_all()
    assert InstrumentVersion.objects.count() == before
    assert not any(created for _, created in results)
