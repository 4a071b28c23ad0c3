"""Reads of instruments."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from qi_framework.derivations import derivation_describe
from qi_framework.instruments import conditions
from qi_framework.models import Instrument, InstrumentVersion, Question, Section


def instrument_list() -> QuerySet[Instrument]:
    """Return every instrument with its versions, newest first (two queries)."""
    return Instrument.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=InstrumentVersion.objects.select_related("framework").order_by("-version"),
        )
    )


def instrument_version_get(*, code: str, version: int) -> InstrumentVersion | None:
    return (
        InstrumentVersion.objects.select_related("instrument", "framework", "copied_from")
        .filter(instrument__code=code, version=version)
        .first()
    )


def instrument_version_current(*, code: str) -> InstrumentVersion | None:
    """Return the published version of an instrument: the one new work should use."""
    return (
        InstrumentVersion.objects.select_related("instrument", "framework")
        .filter(instrument__code=code, status=InstrumentVersion.Status.PUBLISHED)
        .first()
    )


def instrument_version_sections(*, version: InstrumentVersion) -> QuerySet[Section]:
    """Return sections with their questions and each question's QIs (three queries)."""
    return version.sections.order_by("position").prefetch_related(
        Prefetch(
            "questions",
            queryset=Question.objects.order_by("position").prefetch_related("qis"),
        )
    )


def question_get(*, version: InstrumentVersion, code: str) -> Question | None:
    return version.questions.select_related("section").filter(code=code).first()


def section_get(*, version: InstrumentVersion, code: str) -> Section | None:
    return version.sections.filter(code=code).first()


@dataclass(frozen=True)
class QuestionRow:
    """A question as an administrator or inspector reads it, rules put into words."""

    question: Question
    kind_label: str
    options: list[str]
    condition_words: str
    derived_words: str
    qi_codes: list[str]


@dataclass(frozen=True)
class SectionOutline:
    section: Section
    rows: list[QuestionRow]


def instrument_version_outline(*, version: InstrumentVersion) -> list[SectionOutline]:
    """Return every section and question of a version with conditions and rules in words."""
    sections = list(instrument_version_sections(version=version))
    by_code = {q.code: q for s in sections for q in s.questions.all()}

    def quoted(code: str) -> str:
        question = by_code.get(code)
        return f"“{question.text}”" if question is not None else f"“{code}”"

    return [
        SectionOutline(
            section=s,
            rows=[
                QuestionRow(
                    question=q,
                    kind_label=q.get_kind_display(),
                    options=[o.get("label", o.get("value")) for o in q.options],
                    condition_words=(
                        f"Asked only when {conditions.describe(q.condition, by_code)}."
                        if q.condition
                        else ""
                    ),
                    derived_words=f"{derivation_describe(q.derived, quoted)}." if q.derived else "",
                    qi_codes=[qi.code for qi in q.qis.all()],
                )
                for q in s.questions.all()
            ],
        )
        for s in sections
    ]
