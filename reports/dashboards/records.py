"""The sampled records behind a dashboard figure, across the inspections in scope.

The same answers count as in the summaries (moderated, else the first reading's, over sampled
records not replaced), so a figure's count and its list of records always agree.
"""

from collections.abc import Sequence

from django.db.models import OuterRef, Subquery

from inspections.models import Answer, ModeratedAnswer, Reading, SampleRecord
from reports.dashboards.measures import QUESTION_KINDS
from reports.dashboards.selectors import DashboardScope
from reports.dashboards.summaries import answer_value

Condition = tuple[str, frozenset[str]]  # (question code, answers allowed)


def answers_in_scope(
    *, activity_ids: Sequence[int], codes: Sequence[str]
) -> tuple[dict[tuple[int, str], str], dict[int, int]]:
    """Return (sample record id, question code) → the answer that counts (as summary values),
    and each record's activity id."""
    counted = SampleRecord.objects.filter(
        sample__activity_id__in=activity_ids,
        role=SampleRecord.Role.SAMPLED,
        status=SampleRecord.Status.ACTIVE,
    )
    values: dict[tuple[int, str], str] = {}
    activity_of: dict[int, int] = {}
    for record_id, activity_id, code, value_code, value_number in Answer.objects.filter(
        reading__sample_record__in=counted,
        reading__order=Reading.Order.FIRST,
        question__code__in=codes,
    ).values_list(
        "reading__sample_record_id",
        "reading__sample_record__sample__activity_id",
        "question__code",
        "value_code",
        "value_number",
    ):
        values[(record_id, code)] = answer_value(QUESTION_KINDS[code], value_code, value_number)
        activity_of[record_id] = activity_id
    for record_id, activity_id, code, value_code, value_number in ModeratedAnswer.objects.filter(
        sample_record__in=counted, question__code__in=codes
    ).values_list(
        "sample_record_id",
        "sample_record__sample__activity_id",
        "question__code",
        "value_code",
        "value_number",
    ):
        values[(record_id, code)] = answer_value(QUESTION_KINDS[code], value_code, value_number)
        activity_of[record_id] = activity_id
    return values, activity_of


def figure_record_ids(*, scope: DashboardScope, conditions: Sequence[Condition]) -> list[int]:
    """Return the ids of the counted sample records in scope whose answers meet every
    condition, by local authority, inspection and record."""
    if not scope.activity_ids or not conditions:
        return []
    values, activity_of = answers_in_scope(
        activity_ids=scope.activity_ids, codes=[code for code, _ in conditions]
    )
    first_code = conditions[0][0]
    ids = [
        record_id
        for (record_id, code) in values
        if code == first_code
        and all(values.get((record_id, c)) in allowed for c, allowed in conditions)
    ]
    inspections = scope.by_activity

    def order(record_id: int):
        activity_id = activity_of[record_id]
        return (inspections[activity_id].activity.authority.name, activity_id, record_id)

    return sorted(ids, key=order)


def records_by_id(ids: Sequence[int]) -> list[SampleRecord]:
    """Return these sample records, in this order, with what the records page shows."""
    first_reading = Reading.objects.filter(
        sample_record=OuterRef("pk"), order=Reading.Order.FIRST
    ).values("pk")[:1]
    found = {
        r.pk: r
        for r in SampleRecord.objects.filter(pk__in=ids)
        .select_related("record", "sample__activity__authority", "sample__activity__inspection")
        .annotate(first_reading_id=Subquery(first_reading))
    }
    return [found[pk] for pk in ids if pk in found]
