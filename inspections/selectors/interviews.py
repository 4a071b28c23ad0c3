"""Reads for inspections: interviews with people on orders, and focus group summaries."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, QuerySet, Subquery

from inspections.models import FieldworkEvent, Interview, InterviewAnswer, ScrutinyActivity
from inspections.services.interviews import CONSENT_QUESTION, PARTICIPANT_CATEGORIES

__all__ = [
    "FocusGroupRow",
    "InterviewCounts",
    "REQUIREMENT_QUESTION",
    "focus_group_summary",
    "interview_answers",
    "interview_counts",
    "interview_list",
    "outcome_events",
    "people_met_total",
]

REQUIREMENT_QUESTION = "requirement_type"


def _answer_code(code: str):
    return Subquery(
        InterviewAnswer.objects.filter(interview=OuterRef("pk"), question__code=code).values(
            "value_code"
        )[:1]
    )


def interview_list(*, activity: ScrutinyActivity) -> QuerySet[Interview]:
    """Return an activity's interviews with the interviewer, consent and requirement type."""
    return (
        Interview.objects.filter(activity=activity)
        .select_related("interviewer")
        .annotate(
            consent=_answer_code(CONSENT_QUESTION), requirement=_answer_code(REQUIREMENT_QUESTION)
        )
        .order_by("date", "pseudonym")
    )


@dataclass(frozen=True)
class InterviewCounts:
    recorded: int  # every interview recorded, including people who did not consent
    consented: int  # people interviewed: they agreed to take part
    declined: int
    by_requirement: list[tuple[str, int]] = field(default_factory=list)  # (label, count)


def interview_counts(*, activity: ScrutinyActivity) -> InterviewCounts:
    """Return how many people were interviewed, by requirement type, and how many consented."""
    consent = dict(
        InterviewAnswer.objects.filter(
            interview__activity=activity, question__code=CONSENT_QUESTION
        )
        .values_list("value_code")
        .annotate(n=Count("id"))
    )
    recorded = Interview.objects.filter(activity=activity).count()
    by_code = dict(
        InterviewAnswer.objects.filter(
            interview__activity=activity, question__code=REQUIREMENT_QUESTION
        )
        .values_list("value_code")
        .annotate(n=Count("id"))
    )
    labels: dict[str, str] = {}
    version = activity.interview_instrument
    if version is not None:
        question = version.questions.filter(code=REQUIREMENT_QUESTION).first()
        if question is not None:
            labels = {o["value"]: o.get("label", o["value"]) for o in question.options}
    order = list(labels) + sorted(set(by_code) - set(labels))
    return InterviewCounts(
        recorded=recorded,
        consented=consent.get("yes", 0),
        declined=recorded - consent.get("yes", 0),
        by_requirement=[(labels.get(code, code), by_code.get(code, 0)) for code in order],
    )


def people_met_total(*, activities: Iterable[ScrutinyActivity]) -> int:
    """Return how many people on orders were interviewed (consented) across activities."""
    ids = [a.pk if isinstance(a, ScrutinyActivity) else a for a in activities]
    return InterviewAnswer.objects.filter(
        interview__activity_id__in=ids, question__code=CONSENT_QUESTION, value_code="yes"
    ).count()


def interview_answers(*, interview: Interview) -> list[dict]:
    """Return the interview's sections with each answered question and its shown value."""
    from qi_framework.models import Question

    answers = {a.question_id: a for a in interview.answers.select_related("question")}
    sections = []
    for section in interview.instrument_version.sections.prefetch_related("questions"):
        rows = []
        for question in section.questions.all():
            answer = answers.get(question.pk)
            if answer is None:
                continue
            value = answer.value
            if question.kind in (Question.Kind.SINGLE_CHOICE,):
                shown = question.option_label(value)
            elif question.kind == Question.Kind.YES_NO_NA:
                shown = {"yes": "Yes", "no": "No", "na": "Not applicable"}.get(value, value)
            elif question.kind == Question.Kind.MULTIPLE_CHOICE:
                shown = [question.option_label(v) for v in value or []]
            elif question.kind == Question.Kind.RATING_6:
                shown = f"{value} ({RATING_LABELS.get(value, '')})"
            elif question.kind == Question.Kind.DATE:
                shown = f"{value.day} {value:%B %Y}"
            else:
                shown = value
            rows.append({"question": question, "value": shown, "kind": question.kind})
        if rows:
            sections.append({"section": section, "rows": rows})
    return sections


RATING_LABELS = {
    6: "excellent",
    5: "very good",
    4: "good",
    3: "adequate",
    2: "weak",
    1: "unsatisfactory",
}


@dataclass(frozen=True)
class FocusGroupRow:
    kind: str
    label: str
    events: int  # events held (completed)
    planned: int  # proposed or agreed, not yet held
    participants: int
    by_category: list[tuple[str, int]] = field(default_factory=list)


OUTCOME_KINDS = [k for k in FieldworkEvent.Kind if k != FieldworkEvent.Kind.READING_SESSION]


def outcome_events(*, activity: ScrutinyActivity) -> QuerySet[FieldworkEvent]:
    """Return the events whose outcome can be recorded (not reading sessions, not cancelled)."""
    return (
        FieldworkEvent.objects.filter(activity=activity, kind__in=OUTCOME_KINDS)
        .exclude(status=FieldworkEvent.Status.CANCELLED)
        .order_by("date", "start_time")
    )


def focus_group_summary(*, activity: ScrutinyActivity) -> list[FocusGroupRow]:
    """Return focus groups and interviews by kind, with how many took part in each group."""
    labels = dict(PARTICIPANT_CATEGORIES)
    rows = []
    events = list(outcome_events(activity=activity))
    for kind in OUTCOME_KINDS:
        of_kind = [e for e in events if e.kind == kind]
        if not of_kind:
            continue
        held = [e for e in of_kind if e.status == FieldworkEvent.Status.COMPLETED]
        totals: dict[str, int] = {}
        for event in held:
            for category, count in (event.participants or {}).items():
                if isinstance(count, int):
                    totals[category] = totals.get(category, 0) + count
        rows.append(
            FocusGroupRow(
                kind=kind,
                label=FieldworkEvent.Kind(kind).label,
                events=len(held),
                planned=len(of_kind) - len(held),
                participants=sum(totals.values()),
                by_category=[
                    (labels.get(code, code), totals[code])
                    for code in [c for c in labels if c in totals]
                    + sorted(set(totals) - set(labels))
                    if totals[code]
                ],
            )
        )
    return rows
