"""Pre-aggregated reading counts per scrutiny activity, and keeping them true (ADR 0009).

- `summary_bump(activity_id)` is called (from reports.signals) in the same transaction as every
  write that can change what an activity's measures count: answers, moderated answers and
  sample records. It only increments a counter, so writes stay cheap.
- `summaries_refresh(activity_ids)` is called by the dashboard before it reads: it recomputes,
  one activity at a time, only the summaries whose counter moved since they were computed (or
  that were computed under other measure definitions), and leaves the rest alone.
- An activity whose record-level data was deleted under the retention policy (ADR 0011) is
  never recomputed: its counts stay as they were just before the deletion.

A refresh locks the summary row, reads the generation, then reads the data: a write that
commits meanwhile bumps the generation past the one stored, so the next view recomputes again.
Nothing can be lost, at worst computed twice.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inspections.models import Answer, ModeratedAnswer, Reading, SampleRecord, ScrutinyActivity
from reports.dashboards.measures import (
    CROSSTABS,
    DEFINITION,
    QUESTION_CODES,
    QUESTION_KINDS,
    RATING,
)
from reports.models import ActivitySummary, SummaryCount

__all__ = [
    "activity_counts",
    "answer_value",
    "summaries_current",
    "summaries_refresh",
    "summary_bump",
    "summary_create",
]


def summary_bump(*, activity_id: int) -> None:
    """Mark an activity's summary out of date.

    Every activity gets its summary row when it is created (reports.signals; the migration
    made them for activities that existed before), so a bump only ever updates: it never
    inserts, which keeps it safe inside a cascade that is deleting the activity.
    """
    ActivitySummary.objects.filter(activity_id=activity_id).update(generation=F("generation") + 1)


def summary_create(*, activity_id: int) -> None:
    """Give a new activity its (out of date) summary row."""
    ActivitySummary.objects.bulk_create(
        [ActivitySummary(activity_id=activity_id)], ignore_conflicts=True
    )


def answer_value(kind: str, code: str, number) -> str:
    """Return an answer as the summaries store it: "4" for a grade, "yes" for a yes/no."""
    if kind == RATING:
        return str(int(number)) if number is not None else ""
    return code or ""


def activity_counts(*, activity_id: int) -> Counter:
    """Return (key, value, value2) → count for one activity, read from the answers themselves.

    Counted records are those sampled and not replaced; each one's answer that counts is the
    moderated answer where there is one, else its first reading's (as
    inspections.selectors.answers_that_count and the evidence pages count them).
    """
    counted = SampleRecord.objects.filter(
        sample__activity_id=activity_id,
        role=SampleRecord.Role.SAMPLED,
        status=SampleRecord.Status.ACTIVE,
    )
    values: dict[tuple[int, str], str] = {}
    first = Answer.objects.filter(
        reading__sample_record__in=counted,
        reading__order=Reading.Order.FIRST,
        question__code__in=QUESTION_CODES,
    )
    for record_id, code, value_code, value_number in first.values_list(
        "reading__sample_record_id", "question__code", "value_code", "value_number"
    ):
        values[(record_id, code)] = answer_value(QUESTION_KINDS[code], value_code, value_number)
    for record_id, code, value_code, value_number in ModeratedAnswer.objects.filter(
        sample_record__in=counted, question__code__in=QUESTION_CODES
    ).values_list("sample_record_id", "question__code", "value_code", "value_number"):
        values[(record_id, code)] = answer_value(QUESTION_KINDS[code], value_code, value_number)
    counts: Counter = Counter()
    for (_, code), value in values.items():
        if value:
            counts[(code, value, "")] += 1
    for crosstab in CROSSTABS:
        for (record_id, code), value in values.items():
            if code != crosstab.rating or not value:
                continue
            other = values.get((record_id, crosstab.timeliness))
            if other:
                counts[(crosstab.code, value, other)] += 1
    return counts


def _refresh_one(summary_id: int) -> int | None:
    """Recompute one summary if it is out of date; return the generation it now stands at."""
    with transaction.atomic():
        summary = ActivitySummary.objects.select_for_update().filter(pk=summary_id).first()
        if summary is None:
            return None
        if summary.is_current and summary.definition == DEFINITION:
            return summary.computed_generation
        if ScrutinyActivity.objects.filter(
            pk=summary.activity_id, record_data_deleted_at__isnull=False
        ).exists():
            return summary.computed_generation  # retained counts (ADR 0011)
        generation = summary.generation
        counts = activity_counts(activity_id=summary.activity_id)
        SummaryCount.objects.filter(summary=summary).delete()
        SummaryCount.objects.bulk_create(
            SummaryCount(summary=summary, key=key, value=value, value2=value2, count=n)
            for (key, value, value2), n in counts.items()
        )
        ActivitySummary.objects.filter(pk=summary.pk).update(
            computed_generation=generation, definition=DEFINITION, computed_at=timezone.now()
        )
    return generation


def summaries_current(*, activity_ids: Iterable[int]) -> tuple[int, str]:
    """Bring these activities' summaries up to date (recomputing only the stale ones).

    Return how many were recomputed, and a stamp that changes whenever any of their counts
    could have: a digest of each activity's computed generation and the measures' definition.
    Two reads with the same stamp read the same counts, so the sums may be cached under it.
    """
    ids = sorted(set(activity_ids))
    if not ids:
        return 0, ""
    rows = {
        activity_id: (pk, generation, computed, definition)
        for pk, activity_id, generation, computed, definition in ActivitySummary.objects.filter(
            activity_id__in=ids
        ).values_list("pk", "activity_id", "generation", "computed_generation", "definition")
    }
    # Activities whose record-level data was deleted under the retention policy keep the
    # counts they had (ADR 0011): there is nothing left to recompute them from.
    deleted = set(
        ScrutinyActivity.objects.filter(
            pk__in=ids, record_data_deleted_at__isnull=False
        ).values_list("pk", flat=True)
    )
    missing = [a for a in ids if a not in rows]
    if missing:
        ActivitySummary.objects.bulk_create(
            [ActivitySummary(activity_id=a) for a in missing], ignore_conflicts=True
        )
        for pk, activity_id in ActivitySummary.objects.filter(activity_id__in=missing).values_list(
            "pk", "activity_id"
        ):
            rows[activity_id] = (pk, 1, 0, "")
    refreshed = 0
    stamp = hashlib.sha256(DEFINITION.encode())
    for activity_id in ids:
        pk, generation, computed, definition = rows[activity_id]
        if activity_id in deleted:
            stamp.update(f"{activity_id}:retained:{computed};".encode())
            continue
        if computed < generation or definition != DEFINITION:
            computed = _refresh_one(pk)
            refreshed += 1
        stamp.update(f"{activity_id}:{computed};".encode())
    return refreshed, stamp.hexdigest()


def summaries_refresh(*, activity_ids: Iterable[int]) -> int:
    """Recompute the out-of-date summaries among these activities; return how many were."""
    return summaries_current(activity_ids=activity_ids)[0]
