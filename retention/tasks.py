"""Celery entry point for the retention policy. Logic lives in retention.services.

settings.CELERY_BEAT_SCHEDULE runs `retention_run` each night: a dry-run report, then deletion
of what is due and was listed in a report at least RETENTION_NOTICE_DAYS old.
"""

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def retention_run() -> dict:
    from retention.services import retention_run as run

    dry, deletion = run()
    # Ids and totals only: no titles or references in the result backend or the log.
    return {
        "dry_run": dry.pk,
        "deletion_run": deletion.pk,
        "outcome": deletion.outcome,
        "deleted": len(deletion.report.get("activity_ids", [])),
    }
