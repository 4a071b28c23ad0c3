"""Keep the dashboard's summaries true: every write that changes what a scrutiny activity's
reading measures count marks its summary out of date, in the same transaction (ADR 0009).

Signals rather than calls in each service, so that every writer (services, the spreadsheet
import, the admin, the shell) is covered without edits across apps. `bulk_create` and
`QuerySet.update()` send no signals: in inspections they only create sample records and
readings before anything is answered, or change fields no measure counts
(double_read, replaces); the national demo generator refreshes the summaries it wrote itself.
Grades and the programme are read live from their small tables, so need no summary.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from inspections.models import Answer, ModeratedAnswer, Reading, SampleRecord, ScrutinyActivity


def _activity_of_reading(reading_id: int) -> int | None:
    return (
        Reading.objects.filter(pk=reading_id)
        .values_list("sample_record__sample__activity_id", flat=True)
        .first()
    )


def _activity_of_sample_record(sample_record_id: int) -> int | None:
    return (
        SampleRecord.objects.filter(pk=sample_record_id)
        .values_list("sample__activity_id", flat=True)
        .first()
    )


def _bump(activity_id: int | None) -> None:
    from reports.dashboards.summaries import summary_bump

    if activity_id is not None:
        summary_bump(activity_id=activity_id)


@receiver(post_save, sender=Answer, dispatch_uid="dashboard_answer_saved")
@receiver(post_delete, sender=Answer, dispatch_uid="dashboard_answer_deleted")
def answer_changed(sender, instance: Answer, raw=False, **kwargs) -> None:
    if raw:
        return
    _bump(_activity_of_reading(instance.reading_id))


@receiver(post_save, sender=ModeratedAnswer, dispatch_uid="dashboard_moderation_saved")
@receiver(post_delete, sender=ModeratedAnswer, dispatch_uid="dashboard_moderation_deleted")
def moderated_answer_changed(sender, instance: ModeratedAnswer, raw=False, **kwargs) -> None:
    if raw:
        return
    _bump(_activity_of_sample_record(instance.sample_record_id))


@receiver(post_save, sender=SampleRecord, dispatch_uid="dashboard_sample_record_saved")
def sample_record_changed(sender, instance: SampleRecord, raw=False, created=False, **kwargs):
    # A record replaced (or brought back) leaves or joins the records that count.
    if raw or created:
        return
    _bump(_activity_of_sample_record(instance.pk))


@receiver(post_save, sender=ScrutinyActivity, dispatch_uid="dashboard_activity_created")
def activity_created(sender, instance: ScrutinyActivity, raw=False, created=False, **kwargs):
    # The summary row exists from the start, so a later bump never has to insert one (and a
    # refresh racing the first answers cannot be left thinking it is current).
    if raw or not created:
        return
    from reports.dashboards.summaries import summary_create

    summary_create(activity_id=instance.pk)
