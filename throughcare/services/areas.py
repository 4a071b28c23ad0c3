"""Writes for one area of a review: position statement, focus groups and meetings.

Population import, sampling, reading and moderation are the shared services in `inspections`,
called with the area's ScrutinyActivity.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import StoredFile
from core.services import audit_record
from core.uploads import stored_files_of, upload_accept
from inspections import services as inspection_services
from inspections.models import FieldworkEvent
from throughcare.models import AreaMeeting, PositionStatement, ReviewArea

__all__ = [
    "area_focus_group_create",
    "area_meeting_create",
    "area_meeting_update",
    "area_staff_survey_population_set",
    "position_statement_document_upload",
    "position_statement_review",
    "position_statement_save",
    "position_statement_submit",
]

STATEMENT_FIELDS = ("strengths", "challenges", "areas_for_improvement")
MEETING_FIELDS = ("kind", "held_on", "attendees", "points")

STATEMENT_SUBMITTED = (
    "The position statement has been submitted, so it can no longer be changed. Ask the review "
    "team if something needs correcting."
)
STATEMENT_EMPTY = (
    "Upload the position statement or write its strengths, challenges and areas for "
    "improvement before submitting it."
)
STATEMENT_NOT_SUBMITTED = "The position statement has not been submitted yet."
STATEMENT_ALREADY_REVIEWED = "The position statement has already been marked as reviewed."
POINTS_REQUIRED = "Enter the points made."
HELD_IN_FUTURE = "The meeting date cannot be in the future: record a meeting once it has been held."
UNKNOWN_MEETING_KIND = "Choose verbal feedback or follow-up meeting."
FOLLOW_UP_BEFORE_FEEDBACK = "The follow-up meeting must be on or after the verbal feedback."
SURVEY_POPULATION_INVALID = "Enter the number of staff the survey went to, as a whole number."


def _statement_for_update(area: ReviewArea) -> PositionStatement:
    statement, _ = PositionStatement.objects.select_for_update().get_or_create(area=area)
    return statement


@transaction.atomic
def position_statement_save(*, area: ReviewArea, by, request=None, **values) -> PositionStatement:
    """Save the structured part of the statement (strengths, challenges, areas for improvement)."""
    unknown = set(values) - set(STATEMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown position statement fields: {', '.join(sorted(unknown))}")
    statement = _statement_for_update(area)
    if statement.submitted_at is not None:
        raise ApplicationError(STATEMENT_SUBMITTED)
    old, new = {}, {}
    for name, value in values.items():
        value = (value or "").strip()
        if getattr(statement, name) != value:
            old[name], new[name] = getattr(statement, name), value
            setattr(statement, name, value)
    if new:
        statement.save()
        audit_record(
            action="position_statement_saved",
            actor=by,
            obj=statement,
            old=old,
            new=new,
            request=request,
        )
    return statement


@transaction.atomic
def position_statement_document_upload(*, area: ReviewArea, file, by, request=None) -> StoredFile:
    """Check, scan and keep a position statement document, owned by the statement.

    Whoever may see the area may download it (core.download_file delegates to
    throughcare.view_positionstatement). Raises core.uploads.UploadRejected when refused.
    """
    statement = _statement_for_update(area)
    if statement.submitted_at is not None:
        raise ApplicationError(STATEMENT_SUBMITTED)
    return upload_accept(file=file, policy="evidence", by=by, owner=statement, request=request)


@transaction.atomic
def position_statement_submit(*, area: ReviewArea, by, request=None) -> PositionStatement:
    """Send the statement to the review team; it can no longer be changed."""
    statement = _statement_for_update(area)
    if statement.submitted_at is not None:
        raise ApplicationError(STATEMENT_SUBMITTED)
    has_text = any(getattr(statement, name) for name in STATEMENT_FIELDS)
    if not has_text and not stored_files_of(owner=statement).exists():
        raise ApplicationError(STATEMENT_EMPTY)
    statement.submitted_at = timezone.now()
    statement.submitted_by = by
    statement.save(update_fields=["submitted_at", "submitted_by", "updated_at"])
    audit_record(action="position_statement_submitted", actor=by, obj=statement, request=request)
    return statement


@transaction.atomic
def position_statement_review(
    *, area: ReviewArea, notes: str = "", by, request=None
) -> PositionStatement:
    """Mark the submitted statement as reviewed by the review team, with notes."""
    statement = PositionStatement.objects.select_for_update().filter(area=area).first()
    if statement is None or statement.submitted_at is None:
        raise ApplicationError(STATEMENT_NOT_SUBMITTED)
    if statement.reviewed_at is not None:
        raise ApplicationError(STATEMENT_ALREADY_REVIEWED)
    statement.reviewed_at = timezone.now()
    statement.reviewed_by = by
    statement.review_notes = (notes or "").strip()
    statement.save(update_fields=["reviewed_at", "reviewed_by", "review_notes", "updated_at"])
    audit_record(
        action="position_statement_reviewed",
        actor=by,
        obj=statement,
        new={"notes": statement.review_notes},
        request=request,
    )
    return statement


# --- Focus groups (FieldworkEvents on the area's activity, through the inspections service) --


def area_focus_group_create(*, area: ReviewArea, by, request=None, **values) -> FieldworkEvent:
    """Add a staff focus group to the area's fieldwork (remote unless a place is given)."""
    values["kind"] = FieldworkEvent.Kind.STAFF_FOCUS_GROUP
    if not values.get("place"):
        values["is_remote"] = True
    # The inspections service needs only the object's `.activity`, which an area has.
    return inspection_services.fieldwork_event_create(
        inspection=area, by=by, request=request, **values
    )


# --- Meetings ------------------------------------------------------------------------------------


def _meeting_check(area: ReviewArea, values: dict, exclude_pk: int | None = None) -> dict:
    values = dict(values)
    values["points"] = (values.get("points") or "").strip()
    values["attendees"] = (values.get("attendees") or "").strip()
    errors = []
    if values.get("kind") not in AreaMeeting.Kind.values:
        errors.append(("kind", UNKNOWN_MEETING_KIND))
    if not values["points"]:
        errors.append(("points", POINTS_REQUIRED))
    held_on = values.get("held_on")
    if isinstance(held_on, dt.date) and held_on > timezone.localdate():
        errors.append(("held_on", HELD_IN_FUTURE))
    if isinstance(held_on, dt.date) and values.get("kind") == AreaMeeting.Kind.FOLLOW_UP:
        feedback = (
            AreaMeeting.objects.filter(area=area, kind=AreaMeeting.Kind.VERBAL_FEEDBACK)
            .exclude(pk=exclude_pk)
            .order_by("held_on")
            .first()
        )
        if feedback is not None and held_on < feedback.held_on:
            errors.append(("held_on", FOLLOW_UP_BEFORE_FEEDBACK))
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    return values


def _meeting_audit(meeting: AreaMeeting) -> dict:
    return {
        "kind": meeting.kind,
        "held_on": meeting.held_on.isoformat(),
        "attendees": meeting.attendees,
        "points": meeting.points,
    }


@transaction.atomic
def area_meeting_create(*, area: ReviewArea, by, request=None, **values) -> AreaMeeting:
    """Record verbal feedback to the area, or the follow-up meeting, once held."""
    unknown = set(values) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown meeting fields: {', '.join(sorted(unknown))}")
    values = _meeting_check(area, values)
    meeting = AreaMeeting.objects.create(area=area, recorded_by=by, **values)
    audit_record(
        action="area_meeting_recorded",
        actor=by,
        obj=meeting,
        new=_meeting_audit(meeting),
        request=request,
    )
    return meeting


@transaction.atomic
def area_meeting_update(*, meeting: AreaMeeting, by, request=None, **values) -> AreaMeeting:
    unknown = set(values) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown meeting fields: {', '.join(sorted(unknown))}")
    meeting = AreaMeeting.objects.select_for_update().get(pk=meeting.pk)
    merged = {name: values.get(name, getattr(meeting, name)) for name in MEETING_FIELDS}
    merged = _meeting_check(meeting.area, merged, exclude_pk=meeting.pk)
    old = _meeting_audit(meeting)
    for name, value in merged.items():
        setattr(meeting, name, value)
    meeting.save()
    new = _meeting_audit(meeting)
    if new != old:
        audit_record(
            action="area_meeting_updated", actor=by, obj=meeting, old=old, new=new, request=request
        )
    return meeting


@transaction.atomic
def area_staff_survey_population_set(
    *, area: ReviewArea, population: int | None, by, request=None
) -> ReviewArea:
    """Record how many staff the area's survey went to (for the response rate)."""
    if population is not None and (not isinstance(population, int) or population < 1):
        raise ApplicationError(SURVEY_POPULATION_INVALID)
    old = area.staff_survey_population
    if old == population:
        return area
    area.staff_survey_population = population
    area.save(update_fields=["staff_survey_population", "updated_at"])
    audit_record(
        action="area_survey_population_set",
        actor=by,
        obj=area,
        old=old,
        new=population,
        request=request,
    )
    return area
