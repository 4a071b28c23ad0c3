"""Keep the dashboard's summaries true: every write that changes what a scrutiny activity's
reading measures count marks its summary out of date, in the same transaction (ADR 0009).

Signals rather than calls in each service, so that every writer (services, the spreadsheet
import, the admin, the shell) is covered without edits across apps. `bulk_create` and
`QuerySet.update()` send no signals: in inspections they only create sample records and
readings before anything is answered, or change fields no measure counts
(double_read, replaces); the national demo generator refreshes the summaries it wrote itself.
Grades and the programme are read live from their small tables, so need no summary.

Each bump is one UPDATE (autosave makes one on every answer it stores): the activity's id is
read from the related objects already in memory when the saving code loaded them (the record
page's reading carries its sample record and sample), and otherwise found by a subquery inside
that same UPDATE, never by a separate SELECT first.
"""

from django.db.models import F, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from inspections.models import Answer, ModeratedAnswer, Reading, SampleRecord, ScrutinyActivity


def _cached(instance, name: str):
    """Return a loaded related object without a query, or None when it is not loaded."""
    field = instance._meta.get_field(name)
    return field.get_cached_value(instance) if field.is_cached(instance) else None


def _activity_of_sample_record(sample_record: SampleRecord | None) -> int | None:
    sample = _cached(sample_record, "sample") if sample_record is not None else None
    return sample.activity_id if sample is not None else None


def _bump(activity_id: int | None = None, *, via=None) -> None:
    """Mark a summary out of date: by activity id, or by a subquery giving it (one UPDATE)."""
    from reports.models import ActivitySummary

    if activity_id is not None:
        target = ActivitySummary.objects.filter(activity_id=activity_id)
    else:
        target = ActivitySummary.objects.filter(activity_id=Subquery(via[:1]))
    target.update(generation=F("generation") + 1)


@receiver(post_save, sender=Answer, dispatch_uid="dashboard_answer_saved")
@receiver(post_delete, sender=Answer, dispatch_uid="dashboard_answer_deleted")
def answer_changed(sender, instance: Answer, raw=False, **kwargs) -> None:
    if raw:
        return
    reading = _cached(instance, "reading")
    activity_id = _activity_of_sample_record(
        _cached(reading, "sample_record") if reading is not None else None
    )
    _bump(
        activity_id,
        via=Reading.objects.filter(pk=instance.reading_id)
        .order_by()
        .values("sample_record__sample__activity_id"),
    )


@receiver(post_save, sender=ModeratedAnswer, dispatch_uid="dashboard_moderation_saved")
@receiver(post_delete, sender=ModeratedAnswer, dispatch_uid="dashboard_moderation_deleted")
def moderated_answer_changed(sender, instance: ModeratedAnswer, raw=False, **kwargs) -> None:
    if raw:
        return
    _bump(
        _activity_of_sample_record(_cached(instance, "sample_record")),
        via=SampleRecord.objects.filter(pk=instance.sample_record_id)
        .order_by()
        .values("sample__activity_id"),
    )


@receiver(post_save, sender=SampleRecord, dispatch_uid="dashboard_sample_record_saved")
def sample_record_changed(sender, instance: SampleRecord, raw=False, created=False, **kwargs):
    # A record replaced (or brought back) leaves or joins the records that count.
    if raw or created:
        return
    _bump(
        _activity_of_sample_record(instance),
        via=SampleRecord.objects.filter(pk=instance.pk).order_by().values("sample__activity_id"),
    )


@receiver(post_save, sender=ScrutinyActivity, dispatch_uid="dashboard_activity_created")
def activity_created(sender, instance: ScrutinyActivity, raw=False, created=False, **kwargs):
    # The summary row exists from the start, so a later bump never has to insert one (and a
    # refresh racing the first answers cannot be left thinking it is current).
    if raw or not created:
        return
    from reports.dashboards.summaries import summary_create

    summary_create(activity_id=instance.pk)
