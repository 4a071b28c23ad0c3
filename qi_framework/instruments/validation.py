"""Checks on an instrument data file, with messages a person can act on.

`data_errors` returns every problem it finds (not just the first), so an administrator can fix
a file in one go. Loading refuses a file with any problem and changes nothing.
"""

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from qi_framework.derivations import CONTEXT_KEYS, REGISTRY
from qi_framework.instruments import conditions
from qi_framework.models import Instrument, Question, ScrutinyKind

FORMAT = "instrument"
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
OPTION_VALUE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
KINDS = list(Question.Kind.values)
ORDERED_KINDS = {Question.Kind.NUMBER, Question.Kind.RATING_6, Question.Kind.DATE}

NOT_AN_INSTRUMENT = (
    'This is not an instrument file: it needs "format": "instrument", an "instrument", a '
    '"version" and a list of "sections".'
)
INSTRUMENT_FIELD_MISSING = "The instrument needs a {field}."
CODE_INVALID = (
    "The code “{code}” of {what} is not allowed: use lower-case letters, digits, hyphens "
    "and underscores (up to 60)."
)
PURPOSE_INVALID = "The purpose “{value}” is not known. Use one of: {choices}."
SCRUTINY_KIND_INVALID = "The kind of scrutiny “{value}” is not known. Use one of: {choices}."
VERSION_INVALID = "The version number must be a whole number of 1 or more."
FRAMEWORK_MISSING = (
    'The version must name the QI framework its links use, e.g. "framework": '
    '{"code": "cj-2016", "version": 1}.'
)
FRAMEWORK_UNKNOWN = (
    "The instrument links to QI framework “{code}” version {version}, which has not been loaded."
)
NO_SECTIONS = "The instrument has no sections. Add at least one section with questions."
SECTION_TITLE_MISSING = "Section “{code}” needs a title."
SECTION_DUPLICATE = "The section code “{code}” is used more than once."
SECTION_EMPTY = "Section “{code}” has no questions."
QUESTION_DUPLICATE = "The question code “{code}” is used more than once."
QUESTION_TEXT_MISSING = "Question “{code}” needs its text (the question people read)."
KIND_INVALID = "Question “{code}” has an unknown type “{kind}”. Use one of: {choices}."
OPTIONS_MISSING = (
    "Question “{code}” is a {kind} question but has no options. Add options, each with a "
    '"value" and a "label".'
)
OPTION_INVALID = 'Each option of question “{code}” needs a "value" and a "label".'
OPTION_DUPLICATE = "Question “{code}” has the option value “{value}” more than once."
OPTION_VALUE_INVALID = (
    "The option value “{value}” of question “{code}” is not allowed: use lower-case letters, "
    "digits, hyphens and underscores (up to 100)."
)
MIN_MAX_INVALID = "The lowest and highest allowed numbers of question “{code}” must be numbers."
MIN_ABOVE_MAX = "The lowest allowed number of question “{code}” is above the highest."
QI_UNKNOWN = (
    "Question “{code}” links to quality indicator “{qi}”, which is not in framework "
    "“{framework}” version {version}."
)
CONDITION_INVALID = "The condition on question “{code}” is not understood: {problem}."
CONDITION_UNKNOWN_QUESTION = (
    "The condition on question “{code}” refers to question “{ref}”, which does not exist."
)
CONDITION_LATER_QUESTION = (
    "The condition on question “{code}” refers to question “{ref}”, which does not come "
    "before it. A condition can only use earlier questions."
)
CONDITION_UNKNOWN_OPTION = (
    "The condition on question “{code}” compares “{ref}” with “{value}”, which is not one of "
    "its options."
)
CONDITION_BAD_OPERAND = (
    "The condition on question “{code}” compares “{ref}” with “{value}”, which is not {wanted}."
)
CONDITION_ORDER_KIND = (
    "The condition on question “{code}” uses “{operator}” on “{ref}”, which is not a number, "
    "rating or date question."
)
CONDITION_INCLUDES_NOT_MULTIPLE = (
    "The condition on question “{code}” uses “includes” on “{ref}”, which is not a "
    "several-choices question. Use “equals” or “in”."
)
DERIVED_INVALID = 'Question “{code}” has a derived rule without a "function".'
DERIVED_UNKNOWN = (
    "Question “{code}” is derived with “{function}”, which is not a known rule. Known rules: "
    "{known}."
)
DERIVED_PARAM_MISSING = "The rule “{function}” of question “{code}” needs “{param}”."
DERIVED_PARAM_TYPE = "The “{param}” of the rule of question “{code}” must be a {type}."
DERIVED_UNKNOWN_QUESTION = (
    "The rule of question “{code}” uses question “{ref}”, which does not exist."
)
DERIVED_LATER_QUESTION = (
    "The rule of question “{code}” uses question “{ref}”, which does not come before it. "
    "A rule can only use earlier questions."
)
DERIVED_PARAM_KIND = (
    "The rule of question “{code}” needs a {wanted} question as its “{param}”, but “{ref}” "
    "is a {kind} question."
)
DERIVED_RESULT_KIND = (
    "Question “{code}” is a {kind} question, but the rule “{function}” gives {wanted} answers."
)
CONTEXT_KEY_UNKNOWN = (
    "Question “{code}” is filled in from the population record’s “{key}”, which is not "
    "known. Known facts: {known}."
)

TYPE_WORDS = {int: "whole number", str: "text"}


def _kind_words(kinds) -> str:
    return " or ".join(sorted(Question.Kind(k).label.lower() for k in kinds))


def _check_condition(code, condition, position, questions, errors) -> None:
    problems = conditions.structure_problems(condition)
    if problems:
        errors.extend(CONDITION_INVALID.format(code=code, problem=p) for p in problems)
        return
    for ref, operator, operand in conditions.leaves(condition):
        target = questions.get(ref)
        if target is None:
            errors.append(CONDITION_UNKNOWN_QUESTION.format(code=code, ref=ref))
            continue
        if target["_position"] >= position:
            errors.append(CONDITION_LATER_QUESTION.format(code=code, ref=ref))
            continue
        kind = target.get("kind")
        if operator == "includes" and kind != Question.Kind.MULTIPLE_CHOICE:
            errors.append(CONDITION_INCLUDES_NOT_MULTIPLE.format(code=code, ref=ref))
            continue
        if operator in conditions.ORDERING:
            problem = _operand_problem(kind, operand)
            if kind not in ORDERED_KINDS:
                errors.append(CONDITION_ORDER_KIND.format(code=code, ref=ref, operator=operator))
            elif problem:
                errors.append(
                    CONDITION_BAD_OPERAND.format(code=code, ref=ref, value=operand, wanted=problem)
                )
            continue
        if operator in ("equals", "not_equals", "in", "includes"):
            allowed = _allowed_codes(target)
            if allowed is None:
                continue
            values = operand if isinstance(operand, list) else [operand]
            for value in values:
                if value not in allowed:
                    errors.append(CONDITION_UNKNOWN_OPTION.format(code=code, ref=ref, value=value))


def _operand_problem(kind: str | None, operand: Any) -> str | None:
    """Return what an ordering operand should be for a question kind, or None when it fits."""
    if kind == Question.Kind.DATE:
        try:
            dt.date.fromisoformat(str(operand))
        except ValueError:
            return "a date written as YYYY-MM-DD"
        return None
    if kind in (Question.Kind.NUMBER, Question.Kind.RATING_6):
        try:
            Decimal(str(operand))
        except InvalidOperation:
            return "a number"
        return None
    return None


def _allowed_codes(question: Mapping[str, Any]) -> set[str] | None:
    kind = question.get("kind")
    if kind == Question.Kind.YES_NO_NA:
        return {"yes", "no", "na"}
    if kind in Question.CHOICE_KINDS:
        return {o.get("value") for o in question.get("options") or [] if isinstance(o, dict)}
    return None


def _check_derived(code, spec, kind, position, questions, errors) -> None:
    if not isinstance(spec, dict) or not spec.get("function"):
        errors.append(DERIVED_INVALID.format(code=code))
        return
    function = spec["function"]
    derivation = REGISTRY.get(function)
    if derivation is None:
        errors.append(
            DERIVED_UNKNOWN.format(code=code, function=function, known=", ".join(sorted(REGISTRY)))
        )
        return
    for param, kinds in derivation.question_params.items():
        ref = spec.get(param)
        if not ref:
            errors.append(DERIVED_PARAM_MISSING.format(function=function, code=code, param=param))
            continue
        target = questions.get(ref)
        if target is None:
            errors.append(DERIVED_UNKNOWN_QUESTION.format(code=code, ref=ref))
        elif target["_position"] >= position:
            errors.append(DERIVED_LATER_QUESTION.format(code=code, ref=ref))
        elif target.get("kind") not in kinds:
            errors.append(
                DERIVED_PARAM_KIND.format(
                    code=code,
                    param=param,
                    ref=ref,
                    wanted=_kind_words(kinds),
                    kind=_kind_words([target.get("kind")])
                    if target.get("kind") in KINDS
                    else target.get("kind"),
                )
            )
    for param, expected in derivation.constant_params.items():
        if param not in spec:
            errors.append(DERIVED_PARAM_MISSING.format(function=function, code=code, param=param))
        elif not isinstance(spec[param], expected) or isinstance(spec[param], bool):
            errors.append(
                DERIVED_PARAM_TYPE.format(param=param, code=code, type=TYPE_WORDS[expected])
            )
    key = spec.get("key")
    if function == "context" and isinstance(key, str) and key not in CONTEXT_KEYS:
        errors.append(
            CONTEXT_KEY_UNKNOWN.format(code=code, key=key, known=", ".join(sorted(CONTEXT_KEYS)))
        )
    results = derivation.result_kinds
    if results is not None and kind in KINDS and kind not in results:
        errors.append(
            DERIVED_RESULT_KIND.format(
                code=code,
                kind=_kind_words([kind]),
                function=function,
                wanted=_kind_words(derivation.result_kinds),
            )
        )


def _check_question(q, position, questions, qi_codes, framework, errors) -> None:
    code = q.get("code")
    kind = q.get("kind")
    if not str(q.get("text") or "").strip():
        errors.append(QUESTION_TEXT_MISSING.format(code=code))
    if kind not in KINDS:
        errors.append(KIND_INVALID.format(code=code, kind=kind, choices=", ".join(KINDS)))
    options = q.get("options") or []
    if kind in Question.CHOICE_KINDS:
        if not options:
            errors.append(OPTIONS_MISSING.format(code=code, kind=_kind_words([kind])))
        seen: set[str] = set()
        for option in options:
            if not (
                isinstance(option, dict)
                and isinstance(option.get("value"), str)
                and option["value"].strip()
                and str(option.get("label") or "").strip()
            ):
                errors.append(OPTION_INVALID.format(code=code))
                break
            if not OPTION_VALUE_PATTERN.match(option["value"]):
                errors.append(OPTION_VALUE_INVALID.format(code=code, value=option["value"]))
            if option["value"] in seen:
                errors.append(OPTION_DUPLICATE.format(code=code, value=option["value"]))
            seen.add(option["value"])
    bounds = []
    for key in ("min", "max"):
        if q.get(key) is not None:
            try:
                bounds.append(Decimal(str(q[key])))
            except InvalidOperation:
                errors.append(MIN_MAX_INVALID.format(code=code))
    both = q.get("min") is not None and q.get("max") is not None and len(bounds) == 2
    if both and bounds[0] > bounds[1]:
        errors.append(MIN_ABOVE_MAX.format(code=code))
    if qi_codes is not None:
        for qi in q.get("qis") or []:
            if qi not in qi_codes:
                errors.append(
                    QI_UNKNOWN.format(
                        code=code, qi=qi, framework=framework["code"], version=framework["version"]
                    )
                )
    if q.get("condition"):
        _check_condition(code, q["condition"], position, questions, errors)
    if q.get("derived"):
        _check_derived(code, q["derived"], kind, position, questions, errors)


def data_errors(data: Any, *, qi_codes_for) -> list[str]:
    """Return every problem in an instrument data file; an empty list means it can be loaded.

    `qi_codes_for(code, version)` returns the QI codes of a loaded framework version, or None
    when that version has not been loaded.
    """
    if not (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and isinstance(data.get("instrument"), dict)
        and isinstance(data.get("version"), dict)
        and isinstance(data.get("sections"), list)
    ):
        return [NOT_AN_INSTRUMENT]
    errors: list[str] = []
    meta, version = data["instrument"], data["version"]
    for field in ("code", "name", "purpose"):
        if not str(meta.get(field) or "").strip():
            errors.append(INSTRUMENT_FIELD_MISSING.format(field=field))
    if meta.get("code") and not CODE_PATTERN.match(str(meta["code"])):
        errors.append(CODE_INVALID.format(code=meta["code"], what="the instrument"))
    if meta.get("purpose") and meta["purpose"] not in Instrument.Purpose.values:
        errors.append(
            PURPOSE_INVALID.format(
                value=meta["purpose"], choices=", ".join(Instrument.Purpose.values)
            )
        )
    if meta.get("scrutiny_kind") and meta["scrutiny_kind"] not in ScrutinyKind.values:
        errors.append(
            SCRUTINY_KIND_INVALID.format(
                value=meta["scrutiny_kind"], choices=", ".join(ScrutinyKind.values)
            )
        )
    number = version.get("version")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        errors.append(VERSION_INVALID)
    framework = version.get("framework")
    qi_codes = None
    if not (isinstance(framework, dict) and framework.get("code") and framework.get("version")):
        errors.append(FRAMEWORK_MISSING)
        framework = None
    else:
        qi_codes = qi_codes_for(framework["code"], framework["version"])
        if qi_codes is None:
            errors.append(FRAMEWORK_UNKNOWN.format(**framework))
    if not data["sections"]:
        errors.append(NO_SECTIONS)

    # First pass: codes and positions, so conditions can be checked against them.
    questions: dict[str, dict[str, Any]] = {}
    section_codes: set[str] = set()
    ordered: list[tuple[int, dict[str, Any]]] = []
    position = 0
    for section in data["sections"]:
        if not isinstance(section, dict):
            errors.append(NOT_AN_INSTRUMENT)
            return errors
        code = section.get("code")
        if not code or not CODE_PATTERN.match(str(code)):
            errors.append(CODE_INVALID.format(code=code or "", what="a section"))
        elif code in section_codes:
            errors.append(SECTION_DUPLICATE.format(code=code))
        section_codes.add(code)
        if not str(section.get("title") or "").strip():
            errors.append(SECTION_TITLE_MISSING.format(code=code))
        section_questions = section.get("questions") or []
        if not section_questions:
            errors.append(SECTION_EMPTY.format(code=code))
        for q in section_questions:
            if not isinstance(q, dict):
                errors.append(NOT_AN_INSTRUMENT)
                return errors
            position += 1
            qcode = q.get("code")
            if not qcode or not CODE_PATTERN.match(str(qcode)):
                errors.append(CODE_INVALID.format(code=qcode or "", what="a question"))
            elif qcode in questions:
                errors.append(QUESTION_DUPLICATE.format(code=qcode))
                continue
            questions[qcode] = {**q, "_position": position}
            ordered.append((position, q))
    for position, q in ordered:
        _check_question(q, position, questions, qi_codes, framework, errors)
    return list(dict.fromkeys(errors))  # keep order, drop repeats
