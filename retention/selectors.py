"""What the retention policy makes due, what it would delete, and the notices pages show once
record-level data is gone (ADR 0011)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from inspections.models import (
    Answer,
    AnswerSave,
    Inspection,
    Interview,
    InterviewAnswer,
    ModeratedAnswer,
    PopulationRecord,
    Reading,
    ReportVersion,
    SampleRecord,
    ScrutinyActivity,
)
from qi_framework.models import Response, ResponseAnswer, ResponseLink
from retention.models import RetentionRun

__all__ = [
    "FIGURE_RECORDS_DELETED",
    "RECORD_DATA_DELETED",
    "DueActivity",
    "RetentionNotice",
    "activity_notices",
    "audit_redaction_note",
    "recall_interview_links",
    "recall_interview_review_id",
    "record_data_notice",
    "register_record_data_notice",
    "retained_figures",
    "retention_audit_events",
    "retention_counts",
    "retention_cutoff",
    "retention_due",
    "retention_listed_since",
    "retention_runs",
    "review_record_data_notice",
]

KIND_INSPECTION = "inspection"
KIND_REVIEW_AREA = "review_area"
# The kinds of row a run counts and deletes, in the order reports list them.
COUNT_KINDS = {
    "readings": "Readings",
    "answers": "Reading answers",
    "answer_saves": "Autosave receipts",
    "moderated_answers": "Moderated answers",
    "sample_records": "Sampled records",
    "population_records": "Population rows",
    "population_files": "Uploaded population files",
    "interviews": "Interviews",
    "interview_answers": "Interview answers",
    "recall_interviews": "Recall interviews",
    "recall_interview_answers": "Recall interview answers",
    "audit_entries": "Audit entries redacted",
}
# What pages say once the records behind them are gone. Tests assert on the same text.
RECORD_DATA_DELETED = (
    "Record-level data for this {what} was deleted on {date} under the retention policy."
)
FIGURE_RECORDS_DELETED = "record-level data deleted on {date} under the retention policy"


def _date_text(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def audit_redaction_note(*, deleted_on: dt.date) -> str:
    """Return the note that replaces the values of audit entries copying deleted data."""
    return FIGURE_RECORDS_DELETED.format(date=_date_text(deleted_on))


def retention_cutoff(*, today: dt.date | None = None) -> dt.date:
    """Return the last publication date whose record-level data is due for deletion today."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.RECORD_RETENTION_DAYS)


@dataclass(frozen=True)
class DueActivity:
    activity: ScrutinyActivity
    kind: str  # KIND_INSPECTION | KIND_REVIEW_AREA
    title: str
    authority: str
    published_on: dt.date

    @property
    def due_since(self) -> dt.date:
        return self.published_on + dt.timedelta(days=settings.RECORD_RETENTION_DAYS)


def retention_due(*, today: dt.date | None = None) -> list[DueActivity]:
    """Return the activities whose record-level data is due for deletion, oldest first.

    An inspection is due RECORD_RETENTION_DAYS after its report was first published (the
    earliest published or superseded version: a correction does not restart the clock); every
    area of a thematic review is due that long after the review's publication. Unpublished
    work is never due, and nothing is due twice.
    """
    from throughcare.models import ReviewArea

    cutoff = retention_cutoff(today=today)
    first_published = (
        ReportVersion.objects.filter(
            inspection=OuterRef("pk"),
            status__in=[ReportVersion.Status.PUBLISHED, ReportVersion.Status.SUPERSEDED],
            published_at__isnull=False,
        )
        .order_by("published_at")
        .values("published_at")[:1]
    )
    due = []
    inspections = (
        Inspection.objects.filter(activity__record_data_deleted_at__isnull=True)
        .annotate(first_published=Subquery(first_published))
        .filter(first_published__isnull=False)
        .select_related("activity__authority")
    )
    for inspection in inspections:
        published_on = timezone.localdate(inspection.first_published)
        if published_on <= cutoff:
            due.append(
                DueActivity(
                    activity=inspection.activity,
                    kind=KIND_INSPECTION,
                    title=inspection.title,
                    authority=inspection.activity.authority.name,
                    published_on=published_on,
                )
            )
    areas = ReviewArea.objects.filter(
        review__published_on__isnull=False,
        review__published_on__lte=cutoff,
        activity__record_data_deleted_at__isnull=True,
    ).select_related("review", "activity__authority")
    for area in areas:
        due.append(
            DueActivity(
                activity=area.activity,
                kind=KIND_REVIEW_AREA,
                title=f"{area.review.title}: {area.activity.authority.name}",
                authority=area.activity.authority.name,
                published_on=area.review.published_on,
            )
        )
    return sorted(due, key=lambda d: (d.published_on, d.activity.pk))


def _querysets(activity_id: int) -> dict[str, QuerySet]:
    return {
        "readings": Reading.objects.filter(sample_record__sample__activity_id=activity_id),
        "answers": Answer.objects.filter(reading__sample_record__sample__activity_id=activity_id),
        "answer_saves": AnswerSave.objects.filter(
            answer__reading__sample_record__sample__activity_id=activity_id
        ),
        "moderated_answers": ModeratedAnswer.objects.filter(
            sample_record__sample__activity_id=activity_id
        ),
        "sample_records": SampleRecord.objects.filter(sample__activity_id=activity_id),
        "population_records": PopulationRecord.objects.filter(population__activity_id=activity_id),
        "population_files": ScrutinyActivity.objects.filter(
            pk=activity_id, population__source_file__isnull=False
        ),
        "interviews": Interview.objects.filter(activity_id=activity_id),
        "interview_answers": InterviewAnswer.objects.filter(interview__activity_id=activity_id),
    }


# --- A thematic review's recall interviews ------------------------------------------------------
#
# Recall interviews are questionnaire-engine responses through the review's internal interview
# link (subject: the review, not an area), so they belong to no one activity. They go with the
# review's first area to be deleted (in that area's transaction), whichever it is; until one
# is, a dry run lists them under the area a run deletes first (the lowest activity id among
# the review's areas whose data is kept), so a report never counts them twice.


def recall_interview_review_id(*, activity_id: int, first_only: bool = True) -> int | None:
    """Return the id of the review whose recall interviews go with this activity's deletion,
    else None (an inspection, or another area of the review carries them).

    With `first_only=False`, return the review of any of its areas (what a deletion uses: the
    area deleted first takes the interviews, whichever it is)."""
    from throughcare.models import ReviewArea

    review_id = (
        ReviewArea.objects.filter(activity_id=activity_id)
        .values_list("review_id", flat=True)
        .first()
    )
    if review_id is None or not first_only:
        return review_id
    first = (
        ScrutinyActivity.objects.filter(
            review_area__review_id=review_id, record_data_deleted_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return review_id if first == activity_id else None


def recall_interview_links(*, review_id: int | None) -> QuerySet[ResponseLink]:
    """Return the review's internal recall interview links (of any version of its schedule).

    The anonymous staff and prison surveys (and the prison survey's paper entry) come through
    other links and are never among them."""
    from throughcare.models import ThematicReview
    from throughcare.selectors.surveys import INTERVIEW_LINK_LABEL

    if review_id is None:
        return ResponseLink.objects.none()
    return ResponseLink.objects.filter(
        subject_type=ContentType.objects.get_for_model(ThematicReview),
        subject_id=review_id,
        label=INTERVIEW_LINK_LABEL,
    )


def _recall_querysets(review_id: int | None) -> dict[str, QuerySet]:
    responses = Response.objects.filter(link__in=recall_interview_links(review_id=review_id))
    return {
        "recall_interviews": responses,
        "recall_interview_answers": ResponseAnswer.objects.filter(response__in=responses),
    }


def _pk_text(qs: QuerySet) -> QuerySet:
    # AuditEvent.object_id is text (it names rows of any model).
    return qs.order_by().annotate(pk_text=Cast("pk", CharField())).values("pk_text")


def retention_audit_events(*, activity_id: int, for_deletion: bool = False) -> QuerySet[AuditEvent]:
    """Return the audit entries whose values copy the activity's record-level data.

    Those are the entries about a reading, an answer, a moderated answer, a sampled record or
    an interview of the activity (answer_changed, answer_moderated, interview_recorded,
    interview_changed, sample_record_replaced, reading_submitted, ...) and about the recall
    interviews that go with it (throughcare_interview_response_entered) that carry an old or
    new value. Entries about what the policy keeps (the activity, its population and sample
    totals, grades, evidence notes, documents, publications, retention runs) are never among
    them. Evaluate it before the rows are deleted: it finds the entries through them.
    `for_deletion`: see `retention_counts`.
    """
    sources = {
        Answer: Answer.objects.filter(reading__sample_record__sample__activity_id=activity_id),
        Reading: Reading.objects.filter(sample_record__sample__activity_id=activity_id),
        ModeratedAnswer: ModeratedAnswer.objects.filter(
            sample_record__sample__activity_id=activity_id
        ),
        SampleRecord: SampleRecord.objects.filter(sample__activity_id=activity_id),
        Interview: Interview.objects.filter(activity_id=activity_id),
        Response: _recall_querysets(
            recall_interview_review_id(activity_id=activity_id, first_only=not for_deletion)
        )["recall_interviews"],
    }
    about = Q()
    for model, rows in sources.items():
        about |= Q(object_type=model._meta.label_lower, object_id__in=_pk_text(rows))
    return AuditEvent.objects.filter(about).filter(
        Q(old_value__isnull=False) | Q(new_value__isnull=False)
    )


def retention_counts(*, activity_id: int, for_deletion: bool = False) -> dict[str, int]:
    """Return how many rows of each kind of record-level data the activity holds, and how
    many audit entries copy them (to be redacted).

    A review area's count includes its review's recall interviews if it is the area listed
    with them (see `recall_interview_review_id`); with `for_deletion`, whenever the review
    still has some, since the area deleted first takes them."""
    review_id = recall_interview_review_id(activity_id=activity_id, first_only=not for_deletion)
    querysets = _querysets(activity_id) | _recall_querysets(review_id)
    counts = {kind: qs.count() for kind, qs in querysets.items()}
    counts["audit_entries"] = retention_audit_events(
        activity_id=activity_id, for_deletion=for_deletion
    ).count()
    return counts


def retention_listed_since(*, before: dt.datetime) -> set[int]:
    """Return the ids of activities listed in a completed dry-run report made before `before`."""
    listed: set[int] = set()
    for report in RetentionRun.objects.filter(
        dry_run=True,
        started_at__lte=before,
        outcome__in=[RetentionRun.Outcome.COMPLETED, RetentionRun.Outcome.PARTIAL],
    ).values_list("report", flat=True):
        listed.update(int(pk) for pk in (report or {}).get("activity_ids", []))
    return listed


def retention_runs() -> QuerySet:
    return RetentionRun.objects.select_related("triggered_by")


# --- Notices on pages whose records are gone ----------------------------------------------------


@dataclass(frozen=True)
class RetentionNotice:
    deleted_on: dt.date
    title: str  # the inspection, or "<review>: <authority>"
    register_url: str  # the frozen figure register that still explains the figures, or ""
    what: str = "inspection"  # "inspection" | "review"

    @property
    def date_text(self) -> str:
        return _date_text(self.deleted_on)

    @property
    def page_message(self) -> str:
        return RECORD_DATA_DELETED.format(what=self.what, date=self.date_text)

    @property
    def figure_message(self) -> str:
        return FIGURE_RECORDS_DELETED.format(date=self.date_text)


def _register_url(register_id: int | None) -> str:
    if not register_id:
        return ""
    return reverse("reports:figure_register_detail", args=[register_id])


def _inspection_register_ids(inspection_ids) -> dict[int, int]:
    """Return inspection id → its published (else latest superseded) version's register id."""
    found: dict[int, int] = {}
    rows = (
        ReportVersion.objects.filter(
            inspection_id__in=list(inspection_ids),
            status__in=[ReportVersion.Status.PUBLISHED, ReportVersion.Status.SUPERSEDED],
            figure_register__isnull=False,
        )
        .order_by("inspection_id", "status", "-number")  # "published" sorts before "superseded"
        .values_list("inspection_id", "figure_register_id")
    )
    for inspection_id, register_id in rows:
        found.setdefault(inspection_id, register_id)
    return found


def _review_register_id(review) -> int | None:
    from reports.models import FigureRegister

    return (
        FigureRegister.objects.filter(
            subject_type=ContentType.objects.get_for_model(review),
            subject_id=review.pk,
            frozen_at__isnull=False,
        )
        .order_by("-frozen_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def record_data_notice(*, activity: ScrutinyActivity) -> RetentionNotice | None:
    """Return the notice for an activity whose record-level data was deleted, else None."""
    if activity.record_data_deleted_at is None:
        return None
    deleted_on = timezone.localdate(activity.record_data_deleted_at)
    inspection = Inspection.objects.filter(activity=activity).first()
    if inspection is not None:
        register_id = _inspection_register_ids([inspection.pk]).get(inspection.pk)
        return RetentionNotice(deleted_on, inspection.title, _register_url(register_id))
    from throughcare.models import ReviewArea

    area = ReviewArea.objects.filter(activity=activity).select_related("review").first()
    if area is None:
        return RetentionNotice(deleted_on, activity.title, "", what="activity")
    return RetentionNotice(
        deleted_on,
        f"{area.review.title}: {activity.authority.name}",
        _register_url(_review_register_id(area.review)),
        what="review",
    )


def review_record_data_notice(*, review) -> RetentionNotice | None:
    """Return the notice for a review any of whose areas' record-level data was deleted."""
    deleted = (
        ScrutinyActivity.objects.filter(
            review_area__review=review, record_data_deleted_at__isnull=False
        )
        .order_by("-record_data_deleted_at")
        .values_list("record_data_deleted_at", flat=True)
        .first()
    )
    if deleted is None:
        return None
    return RetentionNotice(
        timezone.localdate(deleted),
        review.title,
        _register_url(_review_register_id(review)),
        what="review",
    )


def register_record_data_notice(*, register) -> RetentionNotice | None:
    """Return the notice for a figure register whose subject's record-level data is gone."""
    from throughcare.models import ThematicReview

    subject = register.subject
    if isinstance(subject, ReportVersion):
        return record_data_notice(activity=subject.inspection.activity)
    if isinstance(subject, ThematicReview):
        return review_record_data_notice(review=subject)
    return None


def activity_notices(*, activity_ids) -> list[RetentionNotice]:
    """Return a notice for each inspection among these activities whose data was deleted
    (the dashboard covers inspections), by title; three queries whatever the number."""
    inspections = list(
        Inspection.objects.filter(
            activity_id__in=list(activity_ids), activity__record_data_deleted_at__isnull=False
        )
        .select_related("activity")
        .order_by("title", "pk")
    )
    registers = _inspection_register_ids(i.pk for i in inspections)
    return [
        RetentionNotice(
            timezone.localdate(i.activity.record_data_deleted_at),
            i.title,
            _register_url(registers.get(i.pk)),
        )
        for i in inspections
    ]


def retained_figures(*, activity_ids, codes) -> dict[int, dict]:
    """Return activity id → figure code → the figure its inspection's frozen register kept, for
    the activities among these whose record-level data was deleted.

    What a count of records would have been is read from the register frozen when the report was
    published (the published version's, else the latest superseded one's), since nothing is left
    to count."""
    from reports.models import RegisteredFigure

    inspections = dict(
        Inspection.objects.filter(
            activity_id__in=list(activity_ids), activity__record_data_deleted_at__isnull=False
        ).values_list("pk", "activity_id")
    )
    registers = _inspection_register_ids(inspections)
    activity_of = {register_id: inspections[i] for i, register_id in registers.items()}
    found: dict[int, dict[str, RegisteredFigure]] = {}
    for figure in RegisteredFigure.objects.filter(
        register_id__in=list(activity_of), code__in=list(codes)
    ):
        found.setdefault(activity_of[figure.register_id], {})[figure.code] = figure
    return found
