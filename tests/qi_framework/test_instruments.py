"""Instruments as versioned data: loading, checks on a file, export and import, versions."""

import copy
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError
from core.models import AuditEvent
from qi_framework import instruments
from qi_framework.instruments import services
from qi_framework.instruments import validation as v
from qi_framework.models import Instrument, InstrumentVersion, Question, Section

pytestmark = pytest.mark.django_db

CPO = "cpo-file-reading"


def _cpo(version: int = 1) -> InstrumentVersion:
    return instruments.instrument_version_get(code=CPO, version=version)


def _small() -> dict:
    """A small valid instrument file; tests break one thing at a time."""
    return {
        "format": "instrument",
        "instrument": {"code": "small-tool", "name": "Small tool", "purpose": "record_reading"},
        "version": {"version": 1, "framework": {"code": "cj-2016", "version": 1}},
        "sections": [
            {
                "code": "one",
                "title": "One",
                "questions": [
                    {
                        "code": "requirements",
                        "text": "Requirements",
                        "kind": "multiple_choice",
                        "options": [
                            {"value": "supervision", "label": "Supervision"},
                            {"value": "unpaid_work", "label": "Unpaid work"},
                        ],
                    },
                    {"code": "start", "text": "Start", "kind": "date"},
                    {"code": "done", "text": "Done", "kind": "date", "qis": ["5.2"]},
                    {
                        "code": "on_time",
                        "text": "On time",
                        "kind": "yes_no_na",
                        "derived": {
                            "function": "within_working_days",
                            "start": "start",
                            "end": "done",
                            "days": 20,
                        },
                        "condition": {"question": "requirements", "includes": "supervision"},
                        "qis": ["5.2"],
                    },
                ],
            }
        ],
    }


def _questions(data: dict) -> list[dict]:
    return data["sections"][0]["questions"]


def _errors(data) -> list[str]:
    with pytest.raises(ApplicationError) as error:
        instruments.instrument_load(data=data)
    return error.value.extra["errors"]


# The seed files.


def test_seed_instruments_are_loaded_and_published():
    published = InstrumentVersion.objects.filter(status=InstrumentVersion.Status.PUBLISHED)
    assert {v.instrument.code for v in published} == {
        CPO,
        "cpo-interview",
        "scrutiny-feedback",
        "throughcare-file-reading",
        "throughcare-staff-survey",
        "throughcare-prison-survey",
        "throughcare-recall-interview",
    }
    cpo = instruments.instrument_version_current(code=CPO)
    assert cpo.version == 1
    assert cpo.instrument.purpose == Instrument.Purpose.RECORD_READING
    assert cpo.instrument.scrutiny_kind == "cpo_inspection"
    assert "not the Care Inspectorate's official tool" in cpo.note


def test_cpo_tool_links_its_questions_to_the_qis_it_evidences():
    cpo = _cpo()
    linked = set(
        Question.qis.through.objects.filter(question__version=cpo).values_list(
            "qualityindicator__code", flat=True
        )
    )
    assert linked == {"1.1", "2.1", "5.1", "5.2", "5.3", "5.4"}
    profile = cpo.sections.get(code="case_profile")
    unlinked = cpo.questions.exclude(section=profile).filter(qis__isnull=True)
    assert list(unlinked) == []
    codes = set(cpo.questions.values_list("code", flat=True))
    assert {
        "cjswr_quality",
        "lscmi_within_20_days",
        "lscmi_extension_ratified",
        "rosh_merited_not_done",
        "cmp_within_timescale",
        "intensity",
        "home_visit_rationale",
        "interventions_missed_reason",
        "upw_placement_within_7_days",
        "breach_proportionate",
        "views_sought",
        "offending_reduced",
    } <= codes


def test_cmp_timescale_says_it_is_unverified():
    question = _cpo().questions.get(code="cmp_within_timescale")
    assert "UNVERIFIED" in question.help_text
    assert question.derived == {
        "function": "within_working_days",
        "start": "order_date",
        "end": "cmp_date",
        "days": 20,
    }


def test_population_facts_are_derived_not_typed():
    cpo = _cpo()
    for code, key in [
        ("order_date", "order_date"),
        ("requirements", "requirements"),
        ("unpaid_work_hours", "unpaid_work_hours"),
        ("age_band", "age_band"),
        ("sex", "sex"),
        ("order_end_date", "end_date"),
    ]:
        assert cpo.questions.get(code=code).derived == {"function": "context", "key": key}
    requirements = cpo.questions.get(code="requirements")
    assert "restricted_movement" in [o["value"] for o in requirements.options]
    assert len(requirements.options) == 10


def test_loading_again_changes_nothing():
    counts = (InstrumentVersion.objects.count(), Question.objects.count())
    results = instruments.instruments_load_all()
    assert len(results) == 7
    assert not any(created for _, created in results)
    assert (InstrumentVersion.objects.count(), Question.objects.count()) == counts


def test_an_existing_version_is_never_overwritten():
    data = instruments.instrument_export(version=_cpo())
    data["instrument"]["name"] = "Renamed"
    _questions(data)[0]["text"] = "Changed"
    version, created = instruments.instrument_load(data=data)
    assert not created
    assert version == _cpo()
    assert version.instrument.name == "CPO file-reading tool"
    assert version.questions.get(position=1).text != "Changed"


def test_load_instruments_command(capsys):
    call_command("load_instruments")
    assert "already loaded" in capsys.readouterr().out


# Export and import.


def test_export_round_trips_through_load_and_json():
    original = instruments.instrument_export(version=_cpo())
    data = json.loads(json.dumps(original))
    new_version, created = instruments.instrument_load(data=data, as_new_version=True)
    assert created and new_version.version == 2
    assert new_version.status == InstrumentVersion.Status.DRAFT
    again = instruments.instrument_export(version=new_version)
    assert again["version"].pop("version") == 2
    assert again["version"].pop("status") == "draft"
    original["version"].pop("version")
    original["version"].pop("status")
    assert again == original


def test_import_with_a_new_code_makes_a_new_instrument():
    version, created = instruments.instrument_load(data=_small(), as_new_version=True)
    assert created
    assert (version.instrument.code, version.version, version.status) == ("small-tool", 1, "draft")
    assert list(version.questions.values_list("code", flat=True)) == [
        "requirements",
        "start",
        "done",
        "on_time",
    ]
    assert list(version.questions.get(code="on_time").qis.values_list("code", flat=True)) == ["5.2"]
    event = AuditEvent.objects.get(action="instrument_version_loaded", object_id=str(version.pk))
    assert event.detail == "Imported as a new version"


# Checks on a file: every message, and nothing loaded.


def test_a_file_with_problems_loads_nothing_and_lists_them_all():
    data = _small()
    _questions(data)[2]["qis"] = ["9.9"]
    _questions(data).append({"code": "start", "text": "Start again", "kind": "date"})
    before = (Instrument.objects.count(), Section.objects.count(), Question.objects.count())
    with pytest.raises(ApplicationError) as error:
        instruments.instrument_load(data=data)
    assert error.value.message == services.FILE_HAS_PROBLEMS.format(count="There are 2 problems.")
    assert len(error.value.extra["errors"]) == 2
    after = (Instrument.objects.count(), Section.objects.count(), Question.objects.count())
    assert after == before


def test_not_an_instrument_file():
    from qi_framework.services import DEFAULT_DATA_FILE

    framework_file = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    assert _errors(framework_file) == [v.NOT_AN_INSTRUMENT]
    assert _errors([1, 2]) == [v.NOT_AN_INSTRUMENT]


def test_unknown_qi_code():
    data = _small()
    _questions(data)[2]["qis"] = ["5.2", "9.9"]
    assert _errors(data) == [
        v.QI_UNKNOWN.format(code="done", qi="9.9", framework="cj-2016", version=1)
    ]


def test_framework_not_loaded():
    data = _small()
    data["version"]["framework"] = {"code": "cj-2016", "version": 7}
    assert _errors(data) == [v.FRAMEWORK_UNKNOWN.format(code="cj-2016", version=7)]


def test_duplicate_question_code():
    data = _small()
    _questions(data).append({"code": "start", "text": "Again", "kind": "text"})
    assert _errors(data) == [v.QUESTION_DUPLICATE.format(code="start")]


def test_duplicate_section_code():
    data = _small()
    data["sections"].append(
        {"code": "one", "title": "Two", "questions": [{"code": "x", "text": "X", "kind": "text"}]}
    )
    assert _errors(data) == [v.SECTION_DUPLICATE.format(code="one")]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            {"question": "nothing", "equals": "yes"},
            v.CONDITION_UNKNOWN_QUESTION.format(code="done", ref="nothing"),
        ),
        (
            {"question": "on_time", "equals": "yes"},
            v.CONDITION_LATER_QUESTION.format(code="done", ref="on_time"),
        ),
        (
            {"question": "done", "answered": True},
            v.CONDITION_LATER_QUESTION.format(code="done", ref="done"),
        ),
        (
            {"question": "requirements", "includes": "probation"},
            v.CONDITION_UNKNOWN_OPTION.format(code="done", ref="requirements", value="probation"),
        ),
        (
            {"question": "start", "includes": "x"},
            v.CONDITION_INCLUDES_NOT_MULTIPLE.format(code="done", ref="start"),
        ),
        (
            {"question": "start", "like": "x"},
            v.CONDITION_INVALID.format(
                code="done",
                problem='unknown operator "like"; use one of ' + ", ".join(v.conditions.OPERATORS),
            ),
        ),
        (
            {"question": "start", "lt": "24/01/2020"},
            v.CONDITION_BAD_OPERAND.format(
                code="done", ref="start", value="24/01/2020", wanted="a date written as YYYY-MM-DD"
            ),
        ),
        (
            {"question": "requirements", "gt": 3},
            v.CONDITION_ORDER_KIND.format(code="done", ref="requirements", operator="gt"),
        ),
        (
            {"all": []},
            v.CONDITION_INVALID.format(
                code="done", problem='"all" needs a list of one or more conditions'
            ),
        ),
    ],
)
def test_condition_problems(condition, message):
    data = _small()
    _questions(data)[2]["condition"] = condition
    assert _errors(data) == [message]


@pytest.mark.parametrize(
    ("derived", "kind", "message"),
    [
        (
            {"function": "guess"},
            "yes_no_na",
            v.DERIVED_UNKNOWN.format(
                code="on_time",
                function="guess",
                known="context, months_between, unpaid_work_level, within_working_days, "
                "working_days_between",
            ),
        ),
        (
            {"function": "within_working_days", "start": "start", "days": 20},
            "yes_no_na",
            v.DERIVED_PARAM_MISSING.format(
                function="within_working_days", code="on_time", param="end"
            ),
        ),
        (
            {"function": "within_working_days", "start": "start", "end": "done", "days": "20"},
            "yes_no_na",
            v.DERIVED_PARAM_TYPE.format(param="days", code="on_time", type="whole number"),
        ),
        (
            {"function": "within_working_days", "start": "start", "end": "later", "days": 2},
            "yes_no_na",
            v.DERIVED_LATER_QUESTION.format(code="on_time", ref="later"),
        ),
        (
            {"function": "within_working_days", "start": "start", "end": "ghost", "days": 2},
            "yes_no_na",
            v.DERIVED_UNKNOWN_QUESTION.format(code="on_time", ref="ghost"),
        ),
        (
            {"function": "within_working_days", "start": "requirements", "end": "done", "days": 2},
            "yes_no_na",
            v.DERIVED_PARAM_KIND.format(
                code="on_time",
                param="start",
                ref="requirements",
                wanted="date",
                kind="several choices",
            ),
        ),
        (
            {"function": "within_working_days", "start": "start", "end": "done", "days": 2},
            "date",
            v.DERIVED_RESULT_KIND.format(
                code="on_time",
                kind="date",
                function="within_working_days",
                wanted="yes, no or not applicable",
            ),
        ),
        (
            {"function": "context", "key": "shoe_size"},
            "number",
            v.CONTEXT_KEY_UNKNOWN.format(
                code="on_time",
                key="shoe_size",
                known=(
                    "age_band, end_date, licence_type, order_date, release_date, "
                    "requirements, sex, unpaid_work_hours"
                ),
            ),
        ),
    ],
)
def test_derived_rule_problems(derived, kind, message):
    data = _small()
    _questions(data)[3].update(derived=derived, kind=kind)
    _questions(data).append({"code": "later", "text": "Later", "kind": "date"})
    assert _errors(data) == [message]


def test_choice_question_without_options():
    data = _small()
    del _questions(data)[0]["options"]
    _questions(data)[3]["condition"] = None
    assert _errors(data) == [v.OPTIONS_MISSING.format(code="requirements", kind="several choices")]


def test_option_without_a_label_and_duplicate_values():
    data = _small()
    _questions(data)[0]["options"].append({"value": "supervision", "label": "Again"})
    assert _errors(data) == [v.OPTION_DUPLICATE.format(code="requirements", value="supervision")]
    _questions(data)[0]["options"] = [{"value": "supervision"}]
    assert _errors(data) == [v.OPTION_INVALID.format(code="requirements")]
    _questions(data)[0]["options"] = [
        {"value": "supervision", "label": "Supervision"},
        {"value": "Unpaid Work", "label": "Unpaid work"},
    ]
    _questions(data)[3]["condition"] = None
    assert _errors(data) == [
        v.OPTION_VALUE_INVALID.format(code="requirements", value="Unpaid Work")
    ]


def test_unknown_kind_and_bounds():
    data = _small()
    _questions(data).append({"code": "n", "text": "N", "kind": "number", "min": 10, "max": 5})
    _questions(data).append({"code": "c", "text": "C", "kind": "colour"})
    assert _errors(data) == [
        v.MIN_ABOVE_MAX.format(code="n"),
        v.KIND_INVALID.format(code="c", kind="colour", choices=", ".join(v.KINDS)),
    ]


def test_missing_text_and_bad_codes():
    data = _small()
    _questions(data)[1]["text"] = " "
    _questions(data)[2]["code"] = "Has Spaces"
    errors = _errors(data)
    assert v.QUESTION_TEXT_MISSING.format(code="start") in errors
    assert v.CODE_INVALID.format(code="Has Spaces", what="a question") in errors


# Versions: published versions are frozen; a change makes a new version.


def test_a_published_version_cannot_be_edited():
    question = _cpo().questions.get(code="cjswr_quality")
    with pytest.raises(ApplicationError) as error:
        instruments.question_update(question=question, text="Something else")
    assert error.value.message == services.FROZEN.format(version=1, status="published")
    section = _cpo().sections.get(code="court_report")
    with pytest.raises(ApplicationError):
        instruments.section_update(section=section, title="Reports")
    question.refresh_from_db()
    assert question.text == "Quality of the CJSWR"


def test_copy_makes_a_draft_with_everything_and_leaves_the_original():
    original = _cpo()
    draft = instruments.instrument_version_copy(version=original)
    assert (draft.version, draft.status, draft.copied_from) == (2, "draft", original)
    assert draft.questions.count() == original.questions.count()
    assert draft.framework == original.framework
    copied_links = Question.qis.through.objects.filter(question__version=draft).count()
    original_links = Question.qis.through.objects.filter(question__version=original).count()
    assert copied_links == original_links > 0
    assert AuditEvent.objects.filter(action="instrument_version_copied").exists()
    original.refresh_from_db()
    assert original.status == "published"


def test_editing_a_draft_is_audited_and_leaves_the_published_version_alone():
    draft = instruments.instrument_version_copy(version=_cpo())
    question = draft.questions.get(code="intensity")
    instruments.question_update(
        question=question,
        text="Intensity of supervision",
        help_text="As set in the plan.",
        required=True,
        options=[
            {"value": "very_high", "label": "Very high"},
            {"value": "high", "label": "High"},
            {"value": "medium", "label": "Medium"},
            {"value": "low", "label": "Low"},
            {"value": "none", "label": "Not set"},
        ],
    )
    question.refresh_from_db()
    assert question.text == "Intensity of supervision"
    assert question.options[-1] == {"value": "none", "label": "Not set"}
    event = AuditEvent.objects.get(action="instrument_question_changed")
    assert event.old_value["text"] == "Intensity of supervision in the plan"
    assert event.new_value["text"] == "Intensity of supervision"
    published = _cpo().questions.get(code="intensity")
    assert published.text == "Intensity of supervision in the plan"
    assert len(published.options) == 4


def test_an_edit_that_breaks_a_condition_is_refused_and_undone():
    draft = instruments.instrument_version_copy(version=_cpo())
    sex = draft.questions.get(code="sex")  # "women-only options" are asked when sex is female
    with pytest.raises(ApplicationError) as error:
        instruments.question_update(
            question=sex, text="Sex", options=[{"value": "male", "label": "Male"}]
        )
    assert error.value.message == services.EDIT_HAS_PROBLEMS.format(count="There is 1 problem.")
    assert error.value.extra["errors"] == [
        v.CONDITION_UNKNOWN_OPTION.format(code="upw_women_only_options", ref="sex", value="female")
    ]
    sex.refresh_from_db()
    assert len(sex.options) == 3
    assert not AuditEvent.objects.filter(action="instrument_question_changed").exists()


def test_publishing_freezes_the_draft_and_retires_the_previous_version():
    draft = instruments.instrument_version_copy(version=_cpo())
    instruments.instrument_version_publish(version=draft)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert _cpo(1).status == "retired"
    assert instruments.instrument_version_current(code=CPO) == draft
    with pytest.raises(ApplicationError) as error:
        instruments.instrument_version_publish(version=draft)
    assert error.value.message == services.ONLY_DRAFT_PUBLISHES.format(
        version=2, status="published"
    )
    with pytest.raises(ApplicationError):
        instruments.question_update(question=draft.questions.first(), text="Changed")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"instrument_version_published", "instrument_version_retired"} <= actions


def test_retiring_a_published_version():
    instruments.instrument_version_retire(version=_cpo())
    assert _cpo().status == "retired"
    assert instruments.instrument_version_current(code=CPO) is None
    with pytest.raises(ApplicationError) as error:
        instruments.instrument_version_retire(version=_cpo())
    assert error.value.message == services.ONLY_PUBLISHED_RETIRES.format(
        version=1, status="retired"
    )


def test_the_database_allows_one_published_version_per_instrument():
    draft = instruments.instrument_version_copy(version=_cpo())
    draft.status = InstrumentVersion.Status.PUBLISHED
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def test_answers_keep_their_version():
    """Answers point at a version's own questions, which no later version changes."""
    from qi_framework.instruments import instrument_evaluate

    v1 = _cpo()
    v1_question = v1.questions.get(code="cjswr_quality")
    draft = instruments.instrument_version_copy(version=v1)
    instruments.question_update(
        question=draft.questions.get(code="cjswr_quality"),
        text="How good was the report?",
        required=True,
    )
    instruments.instrument_version_publish(version=draft)

    v1_question.refresh_from_db()
    assert v1_question.text == "Quality of the CJSWR"
    assert v1_question.version == v1
    answers = {"cjswr_prepared": "yes", "cjswr_quality": 5}
    shown = instrument_evaluate(v1, answers).visible
    assert v1_question in shown
    assert all(q.version_id == v1.pk for q in shown)
    v1.refresh_from_db()
    data = instruments.instrument_export(version=v1)
    assert data["version"]["status"] == "retired"
    texts = {q["code"]: q["text"] for s in data["sections"] for q in s["questions"]}
    assert texts["cjswr_quality"] == "Quality of the CJSWR"


def test_exported_data_keeps_instrument_metadata():
    data = instruments.instrument_export(version=_cpo())
    assert data["format"] == "instrument"
    assert data["instrument"]["code"] == CPO
    assert data["version"]["framework"] == {"code": "cj-2016", "version": 1}
    assert copy.deepcopy(data) == data
