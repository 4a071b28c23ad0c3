"""Writes for inspections: interviews with people on orders, and focus group outcomes.

Interviews are pseudonymous: a person is known only by a pseudonym such as "P-014", never by a
name or an identifier. Answers are recorded against the activity's interview instrument; only
questions shown for the answers given are stored, so when the person does not consent nothing
but the consent answer is kept. Every change is audited with the question codes and values, as
readings are (answers are personal data).
"""

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from inspections.models import FieldworkEvent, Interview, InterviewAnswer, ScrutinyActivity
from qi_framework.instruments import instrument_evaluate, questions_of, validate_answer
from qi_framework.models import Question

__all__ = [
    "CONSENT_QUESTION",
    "INTERVIEW_DATE_IN_FUTURE",
    "INTERVIEW_DATE_REQUIRED",
    "INTERVIEW_NO_INSTRUMENT",
    "INTERVIEW_QUESTION_REQUIRED",
    "INTERVIEW_UNKNOWN_QUESTION",
    "OUTCOME_CANCELLED",
    "OUTCOME_COUNT_INVALID",
    "OUTCOME_IN_FUTURE",
    "OUTCOME_NO_PARTICIPANTS",
    "OUTCOME_NOTES_TOO_LONG",
    "OUTCOME_READING_SESSION",
    "OUTCOME_UNKNOWN_CATEGORY",
    "PARTICIPANT_CATEGORIES",
    "PSEUDONYM_FORMAT",
    "PSEUDONYM_IDENTIFIER",
    "PSEUDONYM_NO_DIGIT",
    "PSEUDONYM_TAKEN",
    "fieldwork_event_record_outcome",
    "interview_answers_to_json",
    "interview_record",
    "interview_update",
    "pseudonym_next",
]

CONSENT_QUESTION = "consent_given"
PSEUDONYM_MAX = 16
PSEUDONYM_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
# Ten digits in a row could be a CHI number; a pseudonym must never be a real identifier.
IDENTIFIER_PATTERN = re.compile(r"\d{10}")
NOTES_LIMIT = 10_000

# Who may take part in a focus group or staff interview (codes match the timetable's attendee
# categories in inspections.services.setup).
PARTICIPANT_CATEGORIES: list[tuple[str, str]] = [
    ("people_on_orders", "People on orders"),
    ("justice_staff", "Justice social work staff"),
    ("team_leaders", "Team leaders and first-line managers"),
    ("partner_agencies", "Partner agencies"),
    ("senior_managers", "Senior managers"),
    ("chief_officers", "Chief officers"),
    ("elected_members", "Elected members"),
]
PARTICIPANT_CODES = {code for code, _ in PARTICIPANT_CATEGORIES}

INTERVIEW_NO_INSTRUMENT = (
    "This inspection has no interview schedule. Ask an administrator to publish one."
)
INTERVIEW_RECORDS_DELETED = (
    "This inspection's record-level data was deleted under the retention policy, so no more "
    "interviews can be recorded for it."
)
INTERVIEW_DATE_REQUIRED = "Enter the date of the interview."
INTERVIEW_DATE_IN_FUTURE = "The date of the interview must be today or in the past."
INTERVIEW_QUESTION_REQUIRED = "Answer this question: {text}"
INTERVIEW_UNKNOWN_QUESTION = "“{code}” is not a question in this interview schedule."
PSEUDONYM_FORMAT = (
    f"The pseudonym must be {PSEUDONYM_MAX} characters or fewer, using only letters, numbers "
    "and hyphens, for example P-014."
)
PSEUDONYM_NO_DIGIT = (
    "The pseudonym must include a number, for example P-014. Never use the person’s name."
)
PSEUDONYM_IDENTIFIER = (
    "The pseudonym looks like an identifier (ten digits, as in a CHI number). Use a made-up "
    "reference such as P-014."
)
PSEUDONYM_TAKEN = "Pseudonym {pseudonym} is already used in this inspection. Choose another."
OUTCOME_CANCELLED = "This event was cancelled, so there is no outcome to record."
OUTCOME_READING_SESSION = (
    "Record reading sessions have no participants to record: the readings show the work."
)
OUTCOME_IN_FUTURE = "The event has not happened yet. Record who took part after it has taken place."
OUTCOME_UNKNOWN_CATEGORY = "“{category}” is not a group of people who can take part."
OUTCOME_COUNT_INVALID = "Enter the number of {label} as a whole number, 0 or more."
OUTCOME_NO_PARTICIPANTS = "Enter how many people took part in at least one group."
OUTCOME_NOTES_TOO_LONG = f"Notes must be {NOTES_LIMIT:,} characters or fewer."


def _value_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or isinstance(value, str | int):
        return value
    return str(value)


def interview_answers_to_json(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return parsed answers as JSON-ready values (for the audit log)."""
    return {code: _value_json(value) for code, value in answers.items()}


def pseudonym_next(*, activity: ScrutinyActivity) -> str:
    """Return the next free automatic pseudonym of an activity: P-001, P-002, …"""
    used = set(Interview.objects.filter(activity=activity).values_list("pseudonym", flat=True))
    numbers = [int(p[2:]) for p in used if re.fullmatch(r"P-\d+", p)]
    number = max(numbers, default=0) + 1
    while f"P-{number:03d}" in used:
        number += 1
    return f"P-{number:03d}"


def _pseudonym_check(pseudonym: str) -> str | None:
    if not pseudonym or len(pseudonym) > PSEUDONYM_MAX or not PSEUDONYM_PATTERN.match(pseudonym):
        return PSEUDONYM_FORMAT
    if IDENTIFIER_PATTERN.search(pseudonym):
        return PSEUDONYM_IDENTIFIER
    if not any(character.isdigit() for character in pseudonym):
        return PSEUDONYM_NO_DIGIT
    return None


def _answers_check(
    version, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Question], list[tuple[str, str]]]:
    """Parse every answer, keep those of visible questions, and list what is wrong.

    Returns (parsed values of visible questions, questions by code, errors as (code, message)).
    """
    questions = {q.code: q for q in questions_of(version)}
    errors: list[tuple[str, str]] = []
    parsed: dict[str, Any] = {}
    for code, raw in answers.items():
        question = questions.get(code)
        if question is None:
            errors.append((code, INTERVIEW_UNKNOWN_QUESTION.format(code=code)))
            continue
        check = validate_answer(question, raw)
        if check.error:
            errors.append((code, check.error))
        elif check.value is not None:
            parsed[code] = check.value
    evaluation = instrument_evaluate(version, parsed)
    visible = {q.code for q in evaluation.visible}
    kept = {code: value for code, value in parsed.items() if code in visible}
    # Errors on hidden questions do not count: their answers are not stored.
    errors = [
        (code, message) for code, message in errors if code in visible or code not in questions
    ]
    erroneous = {code for code, _ in errors}
    for question in evaluation.missing_required:
        if question.code not in erroneous:
            errors.append(
                (question.code, INTERVIEW_QUESTION_REQUIRED.format(text=question.text.rstrip("?")))
            )
    return kept, questions, errors


def _date_check(date: dt.date | None) -> str | None:
    if date is None:
        return INTERVIEW_DATE_REQUIRED
    if date > timezone.localdate():
        return INTERVIEW_DATE_IN_FUTURE
    return None


def _raise(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})


@transaction.atomic
def interview_record(
    *,
    activity: ScrutinyActivity,
    date: dt.date | None,
    answers: Mapping[str, Any],
    by,
    pseudonym: str | None = None,
    request=None,
) -> Interview:
    """Record an interview with a person on an order, all or nothing.

    `answers` maps question codes to what was typed or chosen. Answers to questions the
    instrument hides (everything but consent when the person did not consent) are not stored.
    Without a pseudonym the next automatic one (P-001, P-002, …) is given.
    """
    # Lock the activity so two interviewers never get the same automatic pseudonym.
    activity = ScrutinyActivity.objects.select_for_update().get(pk=activity.pk)
    if activity.record_data_deleted_at is not None:
        raise ApplicationError(INTERVIEW_RECORDS_DELETED)
    version = activity.interview_instrument
    if version is None:
        raise ApplicationError(INTERVIEW_NO_INSTRUMENT)
    errors: list[tuple[str, str]] = []
    if (message := _date_check(date)) is not None:
        errors.append(("date", message))
    pseudonym = (pseudonym or "").strip()
    if pseudonym:
        if (message := _pseudonym_check(pseudonym)) is not None:
            errors.append(("pseudonym", message))
        elif Interview.objects.filter(activity=activity, pseudonym__iexact=pseudonym).exists():
            errors.append(("pseudonym", PSEUDONYM_TAKEN.format(pseudonym=pseudonym)))
    kept, questions, answer_errors = _answers_check(version, answers)
    _raise(errors + answer_errors)
    interview = Interview.objects.create(
        activity=activity,
        instrument_version=version,
        pseudonym=pseudonym or pseudonym_next(activity=activity),
        date=date,
        interviewer=by,
    )
    rows = []
    for code, value in kept.items():
        row = InterviewAnswer(interview=interview)
        row.set_value(questions[code], value)
        rows.append(row)
    InterviewAnswer.objects.bulk_create(rows)
    audit_record(
        action="interview_recorded",
        actor=by,
        obj=interview,
        new={"date": date.isoformat(), "answers": interview_answers_to_json(kept)},
        request=request,
    )
    return interview


@transaction.atomic
def interview_update(
    *,
    interview: Interview,
    answers: Mapping[str, Any],
    by,
    date: dt.date | None = None,
    pseudonym: str | None = None,
    request=None,
) -> Interview:
    """Replace an interview's answers (and date or pseudonym), auditing what changed."""
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    version = interview.instrument_version
    errors: list[tuple[str, str]] = []
    new_date = interview.date if date is None else date
    if (message := _date_check(new_date)) is not None:
        errors.append(("date", message))
    new_pseudonym = interview.pseudonym if not (pseudonym or "").strip() else pseudonym.strip()
    if new_pseudonym != interview.pseudonym:
        if (message := _pseudonym_check(new_pseudonym)) is not None:
            errors.append(("pseudonym", message))
        elif (
            Interview.objects.filter(activity=interview.activity, pseudonym__iexact=new_pseudonym)
            .exclude(pk=interview.pk)
            .exists()
        ):
            errors.append(("pseudonym", PSEUDONYM_TAKEN.format(pseudonym=new_pseudonym)))
    kept, questions, answer_errors = _answers_check(version, answers)
    _raise(errors + answer_errors)

    stored = {a.question.code: a for a in interview.answers.select_related("question")}
    old_values = {code: answer.value for code, answer in stored.items()}
    changed_old: dict[str, Any] = {}
    changed_new: dict[str, Any] = {}
    for code in sorted(set(old_values) | set(kept)):
        if old_values.get(code) != kept.get(code):
            changed_old[code] = old_values.get(code)
            changed_new[code] = kept.get(code)
    removed = [stored[code].pk for code in stored if code not in kept]
    InterviewAnswer.objects.filter(pk__in=removed).delete()
    for code, value in kept.items():
        if code in stored and old_values[code] == value:
            continue
        row = stored.get(code) or InterviewAnswer(interview=interview)
        row.set_value(questions[code], value)
        row.save()
    old_meta = {"date": interview.date.isoformat(), "pseudonym": interview.pseudonym}
    interview.date = new_date
    interview.pseudonym = new_pseudonym
    interview.save(update_fields=["date", "pseudonym", "updated_at"])
    new_meta = {"date": new_date.isoformat(), "pseudonym": new_pseudonym}
    meta_old = {k: v for k, v in old_meta.items() if new_meta[k] != v}
    meta_new = {k: new_meta[k] for k in meta_old}
    if changed_old or meta_old:
        audit_record(
            action="interview_changed",
            actor=by,
            obj=interview,
            old={**meta_old, "answers": interview_answers_to_json(changed_old)},
            new={**meta_new, "answers": interview_answers_to_json(changed_new)},
            request=request,
            detail=", ".join(changed_new),
        )
    return interview


@transaction.atomic
def fieldwork_event_record_outcome(
    *,
    event: FieldworkEvent,
    participants: Mapping[str, Any],
    notes: str,
    by,
    request=None,
) -> FieldworkEvent:
    """Record who took part in a focus group or interview (counts per group) and the notes."""
    event = FieldworkEvent.objects.select_for_update().get(pk=event.pk)
    if event.status == FieldworkEvent.Status.CANCELLED:
        raise ApplicationError(OUTCOME_CANCELLED)
    if event.kind == FieldworkEvent.Kind.READING_SESSION:
        raise ApplicationError(OUTCOME_READING_SESSION)
    if event.date > timezone.localdate():
        raise ApplicationError(OUTCOME_IN_FUTURE)
    labels = dict(PARTICIPANT_CATEGORIES)
    errors: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for category, raw in participants.items():
        if category not in PARTICIPANT_CODES:
            errors.append((category, OUTCOME_UNKNOWN_CATEGORY.format(category=category)))
            continue
        if raw is None or raw == "":
            continue
        text = str(raw).strip()
        if isinstance(raw, bool) or not re.fullmatch(r"\d{1,4}", text, re.ASCII):
            errors.append((category, OUTCOME_COUNT_INVALID.format(label=labels[category].lower())))
            continue
        count = int(text)
        if count:
            counts[category] = count
    notes = (notes or "").strip()
    if len(notes) > NOTES_LIMIT:
        errors.append(("notes", OUTCOME_NOTES_TOO_LONG))
    if not errors and not counts:
        errors.append((None, OUTCOME_NO_PARTICIPANTS))
    _raise(errors)
    old = {"participants": event.participants, "notes": event.notes, "status": event.status}
    event.participants = {
        code: counts[code] for code, _ in PARTICIPANT_CATEGORIES if code in counts
    }
    event.notes = notes
    event.status = FieldworkEvent.Status.COMPLETED
    event.save(update_fields=["participants", "notes", "status", "updated_at"])
    audit_record(
        action="fieldwork_outcome_recorded",
        actor=by,
        obj=event,
        old=old,
        new={"participants": event.participants, "notes": event.notes, "status": event.status},
        request=request,
    )
    return event
