"""Delete record-level data under the retention policy, always after a dry-run report (ADR 0011).

- `retention_dry_run` writes a report of what is due and deletes nothing.
- `retention_delete` deletes, activity by activity (one transaction each: all or nothing per
  activity), what is due AND was listed in a dry-run report at least RETENTION_NOTICE_DAYS old,
  so staff see a week ahead what will go.
- `retention_run` (the scheduled task) does both, in that order.

Deleted: readings with their answers and autosave receipts, moderated answers, the sampled
records, the population rows and the uploaded population file, interviews with their answers,
and a thematic review's recall interviews with their answers (with the review's first area to
be deleted; their internal link and its one-time form tokens go too, having served only them).
Kept: the inspection or review, its grades, evidence notes, recommendations, report versions,
the review's anonymous staff and prison survey responses, documents and their files, frozen
figure registers, the sample's and population's totals (seed, size, allocation, row count) and
the dashboard's summary counts. Every run and every activity deleted is audited. The audit
entries that copied the deleted data (answer values, interview answers, moderation, replaced
records, the recall interviews' entry records) keep who, when and what, but their old and
new values are replaced by "record-level data deleted on <date> under the retention policy".
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.services import audit_record, audit_redact
from inspections.models import (
    Answer,
    Interview,
    ModeratedAnswer,
    PopulationRecord,
    Reading,
    SampleRecord,
    ScrutinyActivity,
)
from qi_framework.models import Response
from retention.models import RetentionRun
from retention.selectors import (
    COUNT_KINDS,
    DueActivity,
    audit_redaction_note,
    recall_interview_links,
    recall_interview_review_id,
    retention_audit_events,
    retention_counts,
    retention_cutoff,
    retention_due,
    retention_listed_since,
)

__all__ = [
    "RETENTION_ACTIVITY_FAILED",
    "retention_activity_delete",
    "retention_delete",
    "retention_dry_run",
    "retention_run",
]

logger = logging.getLogger(__name__)

SCHEDULED = "scheduled retention run"
RETENTION_ACTIVITY_FAILED = (
    "The record-level data of this activity could not be deleted, so all of it was kept. "
    "The next run will try again."
)
STATUS_LISTED = "listed"  # a dry run: would be deleted once the notice period has passed
STATUS_WAITING = "waiting"  # due, but no dry-run report old enough lists it yet
STATUS_DELETED = "deleted"
STATUS_FAILED = "failed"


def _actor(by):
    return {"actor": by, "actor_label": "" if by is not None else SCHEDULED}


def _entry(due: DueActivity, counts: dict[str, int], status: str, error: str = "") -> dict:
    return {
        "activity": due.activity.pk,
        "kind": due.kind,
        "title": due.title,
        "authority": due.authority,
        "published_on": due.published_on.isoformat(),
        "due_since": due.due_since.isoformat(),
        "counts": counts,
        "status": status,
        "error": error,
    }


def _totals(entries: list[dict], statuses: set[str]) -> dict[str, int]:
    totals = dict.fromkeys(COUNT_KINDS, 0)
    for entry in entries:
        if entry["status"] in statuses:
            for kind, n in entry["counts"].items():
                totals[kind] = totals.get(kind, 0) + n
    return totals


def retention_dry_run(*, by=None) -> RetentionRun:
    """Report what is due for deletion (with counts per kind of row); delete nothing."""
    started = timezone.now()
    today = timezone.localdate(started)
    entries = [
        _entry(due, retention_counts(activity_id=due.activity.pk), STATUS_LISTED)
        for due in retention_due(today=today)
    ]
    with transaction.atomic():
        run = RetentionRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            dry_run=True,
            cutoff=retention_cutoff(today=today),
            report={
                "activities": entries,
                "activity_ids": [e["activity"] for e in entries],
                "totals": _totals(entries, {STATUS_LISTED}),
                "notice_days": settings.RETENTION_NOTICE_DAYS,
            },
            triggered_by=by,
            outcome=RetentionRun.Outcome.COMPLETED,
        )
        audit_record(
            action="retention_dry_run",
            obj=run,
            new={"activities": len(entries), "totals": run.report["totals"]},
            **_actor(by),
        )
    return run


def _delete_population_file(activity: ScrutinyActivity) -> None:
    population = getattr(activity, "population", None)
    if population is None or population.source_file_id is None:
        return
    stored = population.source_file
    name, storage = stored.file.name, stored.file.storage
    population.source_file = None
    population.save(update_fields=["source_file"])
    stored.delete()
    if name:
        # The file goes only once the rows are gone for good (a rollback keeps both).
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def retention_activity_delete(*, activity_id: int, run: RetentionRun, by=None) -> dict[str, int]:
    """Delete one activity's record-level data, all or nothing; return the counts deleted."""
    from reports.dashboards.summaries import summaries_refresh
    from reports.models import ActivitySummary

    # The dashboard keeps this activity's counts as they stand: bring them up to date from the
    # answers while they still exist (the summaries then leave a deleted activity alone).
    summaries_refresh(activity_ids=[activity_id])
    activity = ScrutinyActivity.objects.select_for_update().get(pk=activity_id)
    if activity.record_data_deleted_at is not None:
        return {}
    review_id = recall_interview_review_id(activity_id=activity_id, first_only=False)
    if review_id is not None:
        # Lock the review: recording a recall interview locks it too, so none is stored once
        # this transaction has counted them, and none after it has committed.
        from throughcare.models import ThematicReview

        ThematicReview.objects.select_for_update().filter(pk=review_id).first()
    counts = retention_counts(activity_id=activity_id, for_deletion=True)
    deleted_at = timezone.now()
    # The audit log keeps who did what and when, but not the answers it copied: the entries
    # about the rows below lose their values (found through those rows, so before they go).
    counts["audit_entries"] = audit_redact(
        events=retention_audit_events(activity_id=activity_id, for_deletion=True),
        note=audit_redaction_note(deleted_on=timezone.localdate(deleted_at)),
    )
    # Children before parents: readings and sample records PROTECT what they point at.
    Answer.objects.filter(reading__sample_record__sample__activity_id=activity_id).delete()
    Reading.objects.filter(sample_record__sample__activity_id=activity_id).delete()
    ModeratedAnswer.objects.filter(sample_record__sample__activity_id=activity_id).delete()
    records = SampleRecord.objects.filter(sample__activity_id=activity_id)
    records.exclude(replaces=None).update(replaces=None)
    records.delete()
    PopulationRecord.objects.filter(population__activity_id=activity_id).delete()
    Interview.objects.filter(activity_id=activity_id).delete()
    # The review's recall interviews (answers and their theme tags cascade), then the internal
    # link that served only them, with its form tokens (cascade).
    recall_links = recall_interview_links(review_id=review_id)
    Response.objects.filter(link__in=recall_links).delete()
    recall_links.delete()
    _delete_population_file(activity)
    activity.record_data_deleted_at = deleted_at
    activity.record_data_deleted_by_run = run
    activity.save(update_fields=["record_data_deleted_at", "record_data_deleted_by_run"])
    # The deletions bumped the summary; its counts were current just before, so they stand.
    ActivitySummary.objects.filter(activity_id=activity_id).update(
        computed_generation=F("generation")
    )
    audit_record(
        action="retention_deleted",
        obj=activity,
        new={"run": run.pk, "counts": counts},
        **_actor(by),
    )
    return counts


def retention_delete(*, by=None) -> RetentionRun:
    """Delete the record-level data of every due activity listed in a dry-run report at least
    RETENTION_NOTICE_DAYS old. One activity failing is recorded; the others go on."""
    started = timezone.now()
    today = timezone.localdate(started)
    listed = retention_listed_since(
        before=started - dt.timedelta(days=settings.RETENTION_NOTICE_DAYS)
    )
    run = RetentionRun.objects.create(
        started_at=started, dry_run=False, cutoff=retention_cutoff(today=today), triggered_by=by
    )
    entries = []
    failures = 0
    for due in retention_due(today=today):
        pk = due.activity.pk
        if pk not in listed:
            entries.append(_entry(due, retention_counts(activity_id=pk), STATUS_WAITING))
            continue
        try:
            counts = retention_activity_delete(activity_id=pk, run=run, by=by)
        except Exception:
            # Nothing of this activity was deleted (its transaction rolled back); say so in the
            # report and go on with the others. The log names the activity, not any person.
            logger.exception("Retention: deleting the data of activity %s failed", pk)
            failures += 1
            entries.append(
                _entry(
                    due,
                    retention_counts(activity_id=pk),
                    STATUS_FAILED,
                    RETENTION_ACTIVITY_FAILED,
                )
            )
            continue
        entries.append(_entry(due, counts, STATUS_DELETED))
    deleted = [e["activity"] for e in entries if e["status"] == STATUS_DELETED]
    run.report = {
        "activities": entries,
        "activity_ids": deleted,
        "totals": _totals(entries, {STATUS_DELETED}),
        "notice_days": settings.RETENTION_NOTICE_DAYS,
    }
    run.finished_at = timezone.now()
    if failures:
        run.outcome = RetentionRun.Outcome.PARTIAL if deleted else RetentionRun.Outcome.FAILED
        run.error = f"{failures} of {failures + len(deleted)} activities could not be deleted."
    else:
        run.outcome = RetentionRun.Outcome.COMPLETED
    run.save(update_fields=["report", "finished_at", "outcome", "error"])
    audit_record(
        action="retention_run",
        obj=run,
        new={
            "deleted": len(deleted),
            "failed": failures,
            "audit_entries_redacted": run.report["totals"].get("audit_entries", 0),
            "waiting": sum(1 for e in entries if e["status"] == STATUS_WAITING),
            "totals": run.report["totals"],
        },
        **_actor(by),
    )
    return run


def retention_run(*, by=None) -> tuple[RetentionRun, RetentionRun]:
    """What the schedule runs: a dry-run report first, then deletion of what is due and was
    listed in a report at least RETENTION_NOTICE_DAYS old."""
    dry = retention_dry_run(by=by)
    return dry, retention_delete(by=by)
