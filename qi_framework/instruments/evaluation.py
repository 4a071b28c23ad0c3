"""The evaluation API that reading, interview and survey pages use.

Answers are a dict of question code -> parsed value (see `validate_answer`):

    yes/no/not applicable  "yes" | "no" | "na"         number     Decimal
    one choice             option value (str)          rating     int 1..6
    several choices        list of option values       date       datetime.date
    text                   str

`context` holds facts from the population record (qi_framework.derivations.CONTEXT_KEYS).
One pass in question order decides what is shown and works out derived answers, because a
condition or a rule may only use earlier questions. Answers to hidden questions are ignored.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from qi_framework.derivations import REGISTRY, DerivationEnv
from qi_framework.instruments.conditions import evaluate as condition_holds
from qi_framework.instruments.conditions import is_empty
from qi_framework.models import InstrumentVersion, Question

TEXT_LIMIT = 10_000

YES_NO_NA_ERROR = "Choose yes, no or not applicable."
CHOICE_ERROR = "Choose one of the options."
CHOICES_ERROR = "Choose from the options given."
DATE_ERROR = "Enter a real date, for example 26/11/2026."
NUMBER_ERROR = "Enter a number, for example 12."
NUMBER_RANGE_ERROR = "Enter a number from {low} to {high}."
NUMBER_MIN_ERROR = "Enter a number of {low} or more."
NUMBER_MAX_ERROR = "Enter a number of {high} or less."
RATING_ERROR = "Choose a rating from 1 (unsatisfactory) to 6 (excellent)."
TEXT_TOO_LONG_ERROR = f"Enter {TEXT_LIMIT:,} characters or fewer."
DERIVED_ERROR = "This answer is worked out from other answers, so it cannot be typed."

YES_NO_NA_WORDS = {
    "yes": "yes",
    "y": "yes",
    "true": "yes",
    "no": "no",
    "n": "no",
    "false": "no",
    "na": "na",
    "n/a": "na",
    "not applicable": "na",
}
DMY = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")


class AnswerCheck(NamedTuple):
    """The parsed value (None when empty or wrong) and the message to show (None when fine)."""

    value: Any
    error: str | None


def _number_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _parse_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    match = DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_value(question: Question, raw: Any) -> AnswerCheck:
    """Parse a value for a question's kind, ignoring whether the question is derived."""
    if is_empty(raw):
        return AnswerCheck(None, None)
    kind = question.kind
    if kind == Question.Kind.YES_NO_NA:
        if isinstance(raw, bool):
            return AnswerCheck("yes" if raw else "no", None)
        value = YES_NO_NA_WORDS.get(str(raw).strip().lower())
        return AnswerCheck(value, None) if value else AnswerCheck(None, YES_NO_NA_ERROR)
    if kind == Question.Kind.SINGLE_CHOICE:
        values = [o["value"] for o in question.options]
        text = str(raw).strip()
        return AnswerCheck(text, None) if text in values else AnswerCheck(None, CHOICE_ERROR)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        chosen = {str(v).strip() for v in (raw if isinstance(raw, list | tuple | set) else [raw])}
        values = [o["value"] for o in question.options]
        if not chosen <= set(values):
            return AnswerCheck(None, CHOICES_ERROR)
        return AnswerCheck([v for v in values if v in chosen], None)  # in the options' order
    if kind == Question.Kind.DATE:
        value = _parse_date(raw)
        return AnswerCheck(value, None) if value else AnswerCheck(None, DATE_ERROR)
    if kind == Question.Kind.NUMBER:
        return _parse_number(question, raw)
    if kind == Question.Kind.RATING_6:
        try:
            value = int(str(raw).strip())
        except ValueError:
            return AnswerCheck(None, RATING_ERROR)
        return AnswerCheck(value, None) if 1 <= value <= 6 else AnswerCheck(None, RATING_ERROR)
    text = str(raw).strip()
    if len(text) > TEXT_LIMIT:
        return AnswerCheck(None, TEXT_TOO_LONG_ERROR)
    return AnswerCheck(text, None)


def _parse_number(question: Question, raw: Any) -> AnswerCheck:
    if isinstance(raw, bool):
        return AnswerCheck(None, NUMBER_ERROR)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        return AnswerCheck(None, NUMBER_ERROR)
    if not value.is_finite():
        return AnswerCheck(None, NUMBER_ERROR)
    low, high = question.min_value, question.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            message = NUMBER_RANGE_ERROR
        else:
            message = NUMBER_MIN_ERROR if low is not None else NUMBER_MAX_ERROR
        return AnswerCheck(
            None,
            message.format(
                low=_number_text(low) if low is not None else "",
                high=_number_text(high) if high is not None else "",
            ),
        )
    return AnswerCheck(value, None)


def validate_answer(question: Question, raw: Any) -> AnswerCheck:
    """Parse what a person typed or chose for a question; empty input gives (None, None).

    Dates are accepted as 26/11/2026 or 2026-11-26; numbers within the question's bounds;
    choices only from its options; ratings 1 to 6; yes, no or not applicable.
    """
    if question.is_derived and not is_empty(raw):
        return AnswerCheck(None, DERIVED_ERROR)
    return parse_value(question, raw)


def questions_of(version: InstrumentVersion) -> list[Question]:
    """Return a version's questions in order, read once per InstrumentVersion instance."""
    cached = getattr(version, "_questions_cache", None)
    if cached is None:
        cached = list(version.questions.order_by("position"))
        version._questions_cache = cached
    return cached


@dataclass
class Evaluation:
    visible: list[Question] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # visible answers and derived values
    derived: dict[str, Any] = field(default_factory=dict)  # visible derived questions only

    @property
    def missing_required(self) -> list[Question]:
        return [
            q
            for q in self.visible
            if q.required and not q.is_derived and is_empty(self.values.get(q.code))
        ]


def instrument_evaluate(
    version: InstrumentVersion,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
    *,
    calendar=None,
) -> Evaluation:
    """Decide what is shown, work out derived answers and find what is still missing."""
    env = DerivationEnv(context, calendar)
    result = Evaluation()
    for question in questions_of(version):
        if question.condition and not condition_holds(question.condition, result.values):
            continue
        result.visible.append(question)
        if question.is_derived:
            raw = REGISTRY[question.derived["function"]].compute(
                question.derived, result.values, env
            )
            if question.kind == Question.Kind.MULTIPLE_CHOICE and isinstance(raw, list):
                # A population record may hold codes this version has no option for.
                known = {o["value"] for o in question.options}
                raw = [v for v in raw if v in known]
            value = parse_value(question, raw).value
            result.derived[question.code] = value
        else:
            value = answers.get(question.code)
        if not is_empty(value):
            result.values[question.code] = value
    return result


def visible_questions(
    version: InstrumentVersion,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> list[Question]:
    return instrument_evaluate(version, answers, context).visible


def compute_derived(
    version: InstrumentVersion,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the derived answers of the questions shown (None where inputs are missing)."""
    return instrument_evaluate(version, answers, context).derived


def missing_required(
    version: InstrumentVersion,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> list[Question]:
    """Return the required questions that are shown, typed (not derived) and unanswered."""
    return instrument_evaluate(version, answers, context).missing_required
