"""Reads for inspections: double reading, agreement, discrepancies and the answers that count.

Only records whose two readings are both submitted are compared. Free-text questions are left
out of agreement and discrepancies: two readers' notes always differ in wording.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from inspections.agreement import AgreementSummary, agreement_summary
from inspections.models import Answer, ModeratedAnswer, Reading, Sample, SampleRecord
from inspections.services.readings import answer_display, value_to_json
from qi_framework.models import Question

__all__ = [
    "AgreementRow",
    "Discrepancy",
    "answer_that_counts",
    "answers_that_count",
    "agreement_table",
    "discrepancy_list",
    "double_read_pairs",
]

COMPARED_KINDS = frozenset(
    {
        Question.Kind.YES_NO_NA,
        Question.Kind.SINGLE_CHOICE,
        Question.Kind.MULTIPLE_CHOICE,
        Question.Kind.DATE,
        Question.Kind.NUMBER,
        Question.Kind.RATING_6,
    }
)


def _comparable(value: Any) -> Any:
    value = value_to_json(value)
    return tuple(value) if isinstance(value, list) else value


@dataclass
class PairedRecord:
    sample_record: SampleRecord
    first: Reading
    second: Reading
    first_values: dict[str, Any]  # question code -> value (typed questions)
    second_values: dict[str, Any]


def double_read_pairs(*, sample: Sample) -> tuple[list[PairedRecord], dict[str, Question]]:
    """Return each record whose first and second readings are both submitted (three queries)."""
    readings = list(
        Reading.objects.filter(
            sample_record__sample=sample, status=Reading.Status.SUBMITTED
        ).select_related("reader", "sample_record__record")
    )
    by_record: dict[int, dict[int, Reading]] = defaultdict(dict)
    for reading in readings:
        by_record[reading.sample_record_id][reading.order] = reading
    pairs_of = {k: v for k, v in by_record.items() if 1 in v and 2 in v}
    reading_ids = [r.pk for pair in pairs_of.values() for r in pair.values()]
    questions: dict[int, Question] = {}
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    for answer in Answer.objects.filter(reading_id__in=reading_ids).select_related("question"):
        question = answer.question
        if question.is_derived or question.kind not in COMPARED_KINDS:
            continue
        question = questions.setdefault(answer.question_id, question)
        answer.question = question
        if answer.value is not None:
            values[answer.reading_id][question.code] = answer.value
    pairs = [
        PairedRecord(
            sample_record=pair[1].sample_record,
            first=pair[1],
            second=pair[2],
            first_values=values[pair[1].pk],
            second_values=values[pair[2].pk],
        )
        for pair in pairs_of.values()
    ]
    pairs.sort(key=lambda p: (p.sample_record.stratum, p.sample_record.rank))
    return pairs, {q.code: q for q in questions.values()}


@dataclass
class Discrepancy:
    sample_record: SampleRecord
    question: Question
    first: Reading
    second: Reading
    first_display: str
    second_display: str
    moderated: ModeratedAnswer | None
    moderated_display: str = ""


def discrepancy_list(*, sample: Sample) -> list[Discrepancy]:
    """Return every question where the two submitted readings of a record differ."""
    pairs, questions = double_read_pairs(sample=sample)
    scale = dict(sample.activity.framework.scale.values_list("value", "label"))
    moderated = {
        (m.sample_record_id, m.question.code): m
        for m in ModeratedAnswer.objects.filter(sample_record__sample=sample).select_related(
            "question", "moderated_by"
        )
    }
    result = []
    for pair in pairs:
        codes = [q.code for q in sorted(questions.values(), key=lambda q: q.position)]
        for code in codes:
            first, second = pair.first_values.get(code), pair.second_values.get(code)
            if first is None and second is None:
                continue
            if _comparable(first) == _comparable(second):
                continue
            question = questions[code]
            m = moderated.get((pair.sample_record.pk, code))
            result.append(
                Discrepancy(
                    sample_record=pair.sample_record,
                    question=question,
                    first=pair.first,
                    second=pair.second,
                    first_display=answer_display(question, first, scale),
                    second_display=answer_display(question, second, scale),
                    moderated=m,
                    moderated_display=answer_display(question, m.value, scale) if m else "",
                )
            )
    return result


def answers_that_count(*, sample: Sample) -> dict[tuple[int, str], Any]:
    """Return (sample record id, question code) → the answer that counts, for the sample.

    The moderated answer where there is one; otherwise the first reading's answer.
    """
    result: dict[tuple[int, str], Any] = {}
    for answer in Answer.objects.filter(
        reading__sample_record__sample=sample, reading__order=Reading.Order.FIRST
    ).select_related("question", "reading"):
        result[(answer.reading.sample_record_id, answer.question.code)] = answer.value
    for moderated in ModeratedAnswer.objects.filter(sample_record__sample=sample).select_related(
        "question"
    ):
        result[(moderated.sample_record_id, moderated.question.code)] = moderated.value
    return result


def answer_that_counts(sample_record: SampleRecord, question: Question | str) -> Any:
    """Return the answer that counts for one record and question (moderated > first reading)."""
    code = question if isinstance(question, str) else question.code
    moderated = (
        ModeratedAnswer.objects.filter(sample_record=sample_record, question__code=code)
        .select_related("question")
        .first()
    )
    if moderated is not None:
        return moderated.value
    answer = (
        Answer.objects.filter(
            reading__sample_record=sample_record,
            reading__order=Reading.Order.FIRST,
            question__code=code,
        )
        .select_related("question")
        .first()
    )
    return answer.value if answer is not None else None


@dataclass
class AgreementRow:
    label: str
    summary: AgreementSummary
    question: Question | None = None


def _summary(pairs: list[tuple[Any, Any]], rating: bool) -> AgreementSummary:
    if rating:
        return agreement_summary(pairs, "rating")
    return agreement_summary(pairs, "categorical")


def agreement_table(*, sample: Sample) -> dict[str, list[AgreementRow]]:
    """Return agreement per question and per pair of readers.

    Six-point ratings use weighted kappa with quadratic weights; other answers Cohen's
    unweighted kappa. Below inspections.agreement.MINIMUM_PAIRS paired answers the figures
    are not given ("too few to calculate"). For a pair of readers, ratings and other answers
    are summarised separately; other answers are pooled across questions with each
    (question, answer) as its own category, so "yes" to one question never matches "yes" to
    another.
    """
    pairs, questions = double_read_pairs(sample=sample)
    per_question: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    per_readers: dict[tuple[str, str], dict[bool, list[tuple[Any, Any]]]] = defaultdict(
        lambda: {True: [], False: []}
    )
    for pair in pairs:
        readers = tuple(
            sorted(
                [
                    pair.first.reader.name or pair.first.reader.email,
                    pair.second.reader.name or pair.second.reader.email,
                ]
            )
        )
        for code, question in questions.items():
            first = pair.first_values.get(code)
            second = pair.second_values.get(code)
            rating = question.kind == Question.Kind.RATING_6
            if rating:
                a, b = (
                    (int(first) if first is not None else None),
                    (int(second) if second is not None else None),
                )
            else:
                a = (code, _comparable(first)) if first is not None else None
                b = (code, _comparable(second)) if second is not None else None
            per_question[code].append((a, b))
            per_readers[readers][rating].append((a, b))
    by_question = [
        AgreementRow(
            label=questions[code].text,
            question=questions[code],
            summary=_summary(per_question[code], questions[code].kind == Question.Kind.RATING_6),
        )
        for code in sorted(per_question, key=lambda c: questions[c].position)
    ]
    by_readers = []
    for readers, kinds in sorted(per_readers.items()):
        label = " and ".join(readers)
        by_readers.append(AgreementRow(f"{label}: ratings", _summary(kinds[True], True)))
        by_readers.append(AgreementRow(f"{label}: other answers", _summary(kinds[False], False)))
    return {"by_question": by_question, "by_readers": by_readers, "records": len(pairs)}
