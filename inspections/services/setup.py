"""Writes for inspections: set-up, lifecycle, team, fieldwork timetable and self-evaluation."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from accounts.models import Assignment
from accounts.selectors import assignments_for
from accounts.services import assignment_create, assignment_end
from core.exceptions import ApplicationError
from core.models import StoredFile
from core.services import audit_record
from core.uploads import upload_accept
from inspections.models import (
    FieldworkEvent,
    Inspection,
    InspectionQI,
    ScrutinyActivity,
    SelfAssessment,
)
from qi_framework.instruments import instrument_version_current
from qi_framework.models import QualityIndicator, ScrutinyKind
from qi_framework.selectors import framework_current, scope_for

__all__ = [
    "fieldwork_event_cancel",
    "fieldwork_event_create",
    "fieldwork_event_update",
    "inspection_create",
    "inspection_dates_check",
    "inspection_default_title",
    "inspection_period_default",
    "inspection_transition",
    "inspection_set_qis",
    "inspection_update",
    "self_assessment_save",
    "self_evaluation_document_upload",
    "team_assign",
    "team_remove",
]

S = Inspection.Status

# Forward one step at a time; before publication the lead may also step back one (with a reason),
# for example from reporting to evaluation when a grade must be looked at again. Publication is
# not undone.
FORWARD: dict[str, str] = {
    S.PLANNED: S.SELF_EVALUATION,
    S.SELF_EVALUATION: S.FIELDWORK,
    S.FIELDWORK: S.EVALUATION,
    S.EVALUATION: S.REPORTING,
    S.REPORTING: S.PUBLISHED,
    S.PUBLISHED: S.IMPROVEMENT,
    S.IMPROVEMENT: S.CLOSED,
}
BACKWARD: dict[str, str] = {
    S.SELF_EVALUATION: S.PLANNED,
    S.FIELDWORK: S.SELF_EVALUATION,
    S.EVALUATION: S.FIELDWORK,
    S.REPORTING: S.EVALUATION,
    # An improvement-plan element reopened after the plan closed (improvement/).
    S.CLOSED: S.IMPROVEMENT,
}
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(m[status] for m in (FORWARD, BACKWARD) if status in m) for status in S
}

# Who attends a fieldwork event, by role category (never by name).
ATTENDEE_CATEGORIES: list[tuple[str, str]] = [
    ("inspectors", "Inspectors"),
    ("associate_assessors", "Associate assessors"),
    ("local_co_readers", "Local co-readers"),
    ("local_coordinator", "Local co-ordinator"),
    ("people_on_orders", "People on orders"),
    ("justice_staff", "Justice social work staff"),
    ("team_leaders", "Team leaders and first-line managers"),
    ("partner_agencies", "Partner agencies"),
    ("senior_managers", "Senior managers"),
    ("chief_officers", "Chief officers"),
    ("elected_members", "Elected members"),
]
ATTENDEE_CODES = {code for code, _ in ATTENDEE_CATEGORIES}

# --- Messages people see -----------------------------------------------------------------------

NO_CURRENT_FRAMEWORK = "There is no current QI framework. Ask an administrator to load one."
NO_READING_TOOL = (
    "There is no published CPO file-reading tool. Ask an administrator to publish one."
)
NOT_A_LOCAL_AUTHORITY = "Choose a local authority to inspect."
FIELDWORK_DATES_REQUIRED = "Enter the dates fieldwork starts and ends."
FIELDWORK_END_BEFORE_START = "The last day of fieldwork must be the same as or after the first day."
PERIOD_END_BEFORE_START = "The end of the period in scope must be after its start."
PERIOD_AFTER_FIELDWORK = "The period in scope must end before fieldwork starts."
NOTICE_AFTER_FIELDWORK = "Notice to the authority must be given before fieldwork starts."
SELF_EVALUATION_DUE_BEFORE_NOTICE = "The self-evaluation cannot be due before notice is given."
SELF_EVALUATION_DUE_AFTER_FIELDWORK = "The self-evaluation must be due before fieldwork starts."
FEEDBACK_BEFORE_FIELDWORK_ENDS = "Verbal feedback must be on or after the last day of fieldwork."
PUBLICATION_BEFORE_FEEDBACK = "Target publication must be after verbal feedback."
PUBLICATION_BEFORE_FIELDWORK_ENDS = "Target publication must be after fieldwork ends."
NO_QIS_REPORTED = "Choose at least one QI the inspection reports on."
EVALUATED_NOT_REPORTED = "A QI can be evaluated only if the inspection reports on it: {codes}."
QI_NOT_IN_FRAMEWORK = "Choose QIs from the inspection’s framework."
ILLEGAL_TRANSITION = "An inspection cannot move from “{current}” to “{to}”."
REASON_REQUIRED = "Give a reason for moving the inspection back to “{to}”."
NOT_A_TEAM_KIND = "“{kind}” is not a part in an inspection team."
ONE_LEAD_ONLY = "{name} is already the lead inspector. Remove them from the team first."
NOT_ON_THIS_TEAM = "That person is not on this inspection’s team."
PLACE_OR_REMOTE = "Enter where the event takes place, or say that it is remote."
END_TIME_BEFORE_START = "The end time must be after the start time."
UNKNOWN_ATTENDEES = "Choose who attends from the list."
EVENT_CANCELLED = "This event has been cancelled and can no longer be changed."
EVENT_ALREADY_CANCELLED = "This event has already been cancelled."
QI_NOT_IN_SCOPE = "{code} is not one of the QIs this inspection reports on."
GRADE_OUT_OF_RANGE = "Choose a grade from 1 to 6."
SELF_EVALUATION_CLOSED = (
    "The self-evaluation can no longer be changed: the inspection has moved on to {status}."
)

TEAM_KINDS = (
    "lead_inspector",
    "inspector",
    "associate_assessor",
    "local_co_reader",
    "local_coordinator",
)
SELF_EVALUATION_OPEN = {S.PLANNED, S.SELF_EVALUATION, S.FIELDWORK}

INSPECTION_DATE_FIELDS = (
    "period_start",
    "period_end",
    "notice_date",
    "self_evaluation_due",
    "fieldwork_start",
    "fieldwork_end",
    "feedback_date",
    "target_publication",
)


def inspection_default_title(authority) -> str:
    return f"Inspection of justice social work services in {authority.name}"


def inspection_period_default(*, fieldwork_start: dt.date) -> tuple[dt.date, dt.date]:
    """Return the two years before fieldwork: (same day two years earlier, day before start)."""
    end = fieldwork_start - dt.timedelta(days=1)
    try:
        two_years_before = end.replace(year=end.year - 2)
    except ValueError:  # 29 February
        two_years_before = end.replace(year=end.year - 2, day=28)
    return two_years_before + dt.timedelta(days=1), end


def inspection_dates_check(**dates: dt.date | None) -> list[tuple[str, str]]:
    """Return every problem with a set of key dates as (field name, message), in field order."""
    d = {name: dates.get(name) for name in INSPECTION_DATE_FIELDS}
    errors: list[tuple[str, str]] = []

    def before(a: str, b: str, *, strictly: bool = True) -> bool:
        """True when both dates are given and a is (strictly) before b."""
        if d[a] is None or d[b] is None:
            return True
        return d[a] < d[b] if strictly else d[a] <= d[b]

    if d["fieldwork_start"] is None or d["fieldwork_end"] is None:
        field = "fieldwork_start" if d["fieldwork_start"] is None else "fieldwork_end"
        errors.append((field, FIELDWORK_DATES_REQUIRED))
    if not before("period_start", "period_end"):
        errors.append(("period_end", PERIOD_END_BEFORE_START))
    if not before("period_end", "fieldwork_start"):
        errors.append(("period_end", PERIOD_AFTER_FIELDWORK))
    if not before("notice_date", "fieldwork_start"):
        errors.append(("notice_date", NOTICE_AFTER_FIELDWORK))
    if not before("notice_date", "self_evaluation_due", strictly=False):
        errors.append(("self_evaluation_due", SELF_EVALUATION_DUE_BEFORE_NOTICE))
    if not before("self_evaluation_due", "fieldwork_start"):
        errors.append(("self_evaluation_due", SELF_EVALUATION_DUE_AFTER_FIELDWORK))
    if not before("fieldwork_start", "fieldwork_end", strictly=False):
        errors.append(("fieldwork_end", FIELDWORK_END_BEFORE_START))
    if not before("fieldwork_end", "feedback_date", strictly=False):
        errors.append(("feedback_date", FEEDBACK_BEFORE_FIELDWORK_ENDS))
    if not before("feedback_date", "target_publication"):
        errors.append(("target_publication", PUBLICATION_BEFORE_FEEDBACK))
    elif not before("fieldwork_end", "target_publication"):
        errors.append(("target_publication", PUBLICATION_BEFORE_FIELDWORK_ENDS))
    return errors


def _raise_date_errors(dates: dict) -> None:
    errors = inspection_dates_check(**dates)
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})


def _date_text(value):
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def inspection_create(
    *,
    authority,
    fieldwork_start: dt.date,
    fieldwork_end: dt.date,
    lead,
    by,
    title: str = "",
    governance: str = "",
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    notice_date: dt.date | None = None,
    self_evaluation_due: dt.date | None = None,
    feedback_date: dt.date | None = None,
    target_publication: dt.date | None = None,
    request=None,
) -> Inspection:
    """Set up a CPO inspection of one authority: its fieldwork activity, dates, QIs and lead.

    The period in scope defaults to the two years before fieldwork starts.
    """
    if authority is None or authority.kind != authority.Kind.LOCAL_AUTHORITY:
        raise ApplicationError(
            NOT_A_LOCAL_AUTHORITY, extra={"errors": [("authority", NOT_A_LOCAL_AUTHORITY)]}
        )
    if fieldwork_start is not None and (period_start is None or period_end is None):
        default_start, default_end = inspection_period_default(fieldwork_start=fieldwork_start)
        period_start = period_start or default_start
        period_end = period_end or default_end
    dates = {
        "period_start": period_start,
        "period_end": period_end,
        "notice_date": notice_date,
        "self_evaluation_due": self_evaluation_due,
        "fieldwork_start": fieldwork_start,
        "fieldwork_end": fieldwork_end,
        "feedback_date": feedback_date,
        "target_publication": target_publication,
    }
    _raise_date_errors(dates)
    framework = framework_current()
    if framework is None:
        raise ApplicationError(NO_CURRENT_FRAMEWORK)
    reading_tool = instrument_version_current(code="cpo-file-reading")
    if reading_tool is None:
        raise ApplicationError(NO_READING_TOOL)
    title = (title or "").strip() or inspection_default_title(authority)
    activity = ScrutinyActivity.objects.create(
        title=title,
        scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
        authority=authority,
        framework=framework,
        population_schema="cpo",
        reading_instrument=reading_tool,
        interview_instrument=instrument_version_current(code="cpo-interview"),
    )
    inspection = Inspection.objects.create(
        activity=activity, title=title, governance=governance, created_by=by, **dates
    )
    InspectionQI.objects.bulk_create(
        InspectionQI(
            inspection=inspection,
            quality_indicator=entry.quality_indicator,
            evaluated=entry.evaluated,
        )
        for entry in scope_for(framework=framework, scrutiny_kind=ScrutinyKind.CPO_INSPECTION)
    )
    audit_record(
        action="inspection_created",
        actor=by,
        obj=inspection,
        new={
            "authority": authority.name,
            "title": title,
            **{k: _date_text(v) for k, v in dates.items()},
        },
        request=request,
    )
    assignment_create(user=lead, kind="lead_inspector", target=activity, by=by, request=request)
    return inspection


EDITABLE_FIELDS = ("title", "governance", *INSPECTION_DATE_FIELDS)


@transaction.atomic
def inspection_update(*, inspection: Inspection, by, request=None, **changes) -> Inspection:
    """Change an inspection's title, governance or key dates (all dates checked together)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))} with inspection_update.")
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip() or inspection.title
    dates = {name: changes.get(name, getattr(inspection, name)) for name in INSPECTION_DATE_FIELDS}
    period_missing = dates["period_start"] is None or dates["period_end"] is None
    if period_missing and dates["fieldwork_start"] is not None:
        default_start, default_end = inspection_period_default(
            fieldwork_start=dates["fieldwork_start"]
        )
        dates["period_start"] = changes["period_start"] = dates["period_start"] or default_start
        dates["period_end"] = changes["period_end"] = dates["period_end"] or default_end
    _raise_date_errors(dates)
    old, new = {}, {}
    for name, value in changes.items():
        if getattr(inspection, name) != value:
            old[name] = _date_text(getattr(inspection, name))
            new[name] = _date_text(value)
            setattr(inspection, name, value)
    if not new:
        return inspection
    inspection.save(update_fields=[*new, "updated_at"])
    if "title" in new:
        ScrutinyActivity.objects.filter(pk=inspection.activity_id).update(title=inspection.title)
    audit_record(
        action="inspection_updated", actor=by, obj=inspection, old=old, new=new, request=request
    )
    return inspection


@transaction.atomic
def inspection_set_qis(
    *,
    inspection: Inspection,
    reported: Iterable[QualityIndicator],
    evaluated: Iterable[QualityIndicator],
    by,
    request=None,
) -> Inspection:
    """Set the QIs the inspection reports on and, among them, those it evaluates (grades)."""
    reported = {qi.pk: qi for qi in reported}
    evaluated = {qi.pk: qi for qi in evaluated}
    if not reported:
        raise ApplicationError(NO_QIS_REPORTED, extra={"errors": [("reported", NO_QIS_REPORTED)]})
    framework_id = inspection.activity.framework_id
    if any(qi.framework_id != framework_id for qi in [*reported.values(), *evaluated.values()]):
        raise ApplicationError(QI_NOT_IN_FRAMEWORK)
    stray = [qi.code for pk, qi in evaluated.items() if pk not in reported]
    if stray:
        message = EVALUATED_NOT_REPORTED.format(codes=", ".join(sorted(stray)))
        raise ApplicationError(message, extra={"errors": [("evaluated", message)]})
    current = {
        row.quality_indicator_id: row for row in inspection.qis.select_related("quality_indicator")
    }
    old = _qi_summary(current.values())
    inspection.qis.exclude(quality_indicator_id__in=reported).delete()
    for pk in reported:
        row = current.get(pk)
        if row is None:
            InspectionQI.objects.create(
                inspection=inspection, quality_indicator_id=pk, evaluated=pk in evaluated
            )
        elif row.evaluated != (pk in evaluated):
            row.evaluated = pk in evaluated
            row.save(update_fields=["evaluated"])
    new = {
        "reported": sorted((qi.code for qi in reported.values()), key=_code_key),
        "evaluated": sorted((qi.code for qi in evaluated.values()), key=_code_key),
    }
    if new != old:
        audit_record(
            action="inspection_qis_changed",
            actor=by,
            obj=inspection,
            old=old,
            new=new,
            request=request,
        )
    return inspection


def _code_key(code: str):
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))


def _qi_summary(rows) -> dict:
    rows = list(rows)
    return {
        "reported": sorted((r.quality_indicator.code for r in rows), key=_code_key),
        "evaluated": sorted((r.quality_indicator.code for r in rows if r.evaluated), key=_code_key),
    }


@transaction.atomic
def inspection_transition(
    *, inspection: Inspection, to: str, by, reason: str = "", request=None
) -> Inspection:
    """Move an inspection along its lifecycle (ALLOWED_TRANSITIONS); a move back needs a reason.

    Who may make which move is the caller's check (inspections.selectors.inspection_moves_for).
    """
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    current = inspection.status
    if to not in ALLOWED_TRANSITIONS.get(current, ()):
        raise ApplicationError(
            ILLEGAL_TRANSITION.format(current=_status_label(current), to=_status_label(to))
        )
    is_backward = BACKWARD.get(current) == to
    reason = (reason or "").strip()
    if is_backward and not reason:
        message = REASON_REQUIRED.format(to=_status_label(to))
        raise ApplicationError(message, extra={"errors": [("reason", message)]})
    inspection.status = to
    inspection.save(update_fields=["status", "updated_at"])
    audit_record(
        action="inspection_status_changed",
        actor=by,
        obj=inspection,
        old=current,
        new=to,
        detail=reason,
        request=request,
    )
    return inspection


def _status_label(value: str) -> str:
    try:
        return S(value).label
    except ValueError:
        return value


# --- Team ----------------------------------------------------------------------------------------


@transaction.atomic
def team_assign(*, inspection: Inspection, user, kind: str, by, request=None) -> Assignment:
    """Add a person to the inspection's team; the kind's checks refuse unsuitable people."""
    if kind not in TEAM_KINDS:
        raise ApplicationError(NOT_A_TEAM_KIND.format(kind=kind))
    activity = inspection.activity
    if kind == "lead_inspector":
        lead = assignments_for(target=activity).filter(kind="lead_inspector").first()
        if lead is not None:
            raise ApplicationError(ONE_LEAD_ONLY.format(name=lead.user.name))
    return assignment_create(user=user, kind=kind, target=activity, by=by, request=request)


@transaction.atomic
def team_remove(*, inspection: Inspection, assignment: Assignment, by, request=None) -> Assignment:
    """Take a person off the inspection's team (the assignment ends; the record stays)."""
    if (
        assignment.target_id != inspection.activity_id
        or assignment.target_type.model_class() is not ScrutinyActivity
        or assignment.kind not in TEAM_KINDS
    ):
        raise ApplicationError(NOT_ON_THIS_TEAM)
    return assignment_end(assignment=assignment, by=by, request=request)


# --- Fieldwork timetable -------------------------------------------------------------------------

EVENT_FIELDS = (
    "kind",
    "date",
    "start_time",
    "end_time",
    "is_remote",
    "place",
    "attendees",
    "status",
    "notes",
)


def _event_check(values: dict) -> dict:
    values = dict(values)
    values["place"] = (values.get("place") or "").strip()
    values["notes"] = (values.get("notes") or "").strip()
    values["attendees"] = list(dict.fromkeys(values.get("attendees") or []))
    errors = []
    if not values.get("is_remote") and not values["place"]:
        errors.append(("place", PLACE_OR_REMOTE))
    start, end = values.get("start_time"), values.get("end_time")
    if start and end and end <= start:
        errors.append(("end_time", END_TIME_BEFORE_START))
    if set(values["attendees"]) - ATTENDEE_CODES:
        errors.append(("attendees", UNKNOWN_ATTENDEES))
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    return values


def _event_audit(event: FieldworkEvent) -> dict:
    return {
        "kind": event.kind,
        "date": event.date.isoformat(),
        "start_time": event.start_time.isoformat() if event.start_time else None,
        "end_time": event.end_time.isoformat() if event.end_time else None,
        "remote": event.is_remote,
        "place": event.place,
        "attendees": event.attendees,
        "status": event.status,
    }


@transaction.atomic
def fieldwork_event_create(*, inspection: Inspection, by, request=None, **values) -> FieldworkEvent:
    """Add a reading session, interview or focus group to the fieldwork timetable."""
    unknown = set(values) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fieldwork event fields: {', '.join(sorted(unknown))}")
    values = _event_check(values)
    if values.get("status") is None:
        values.pop("status", None)
    event = FieldworkEvent.objects.create(activity=inspection.activity, created_by=by, **values)
    audit_record(
        action="fieldwork_event_created",
        actor=by,
        obj=event,
        new=_event_audit(event),
        request=request,
    )
    return event


@transaction.atomic
def fieldwork_event_update(*, event: FieldworkEvent, by, request=None, **values) -> FieldworkEvent:
    unknown = set(values) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fieldwork event fields: {', '.join(sorted(unknown))}")
    event = FieldworkEvent.objects.select_for_update().get(pk=event.pk)
    if event.status == FieldworkEvent.Status.CANCELLED:
        raise ApplicationError(EVENT_CANCELLED)
    merged = {name: values.get(name, getattr(event, name)) for name in EVENT_FIELDS}
    merged = _event_check(merged)
    old = _event_audit(event)
    for name, value in merged.items():
        setattr(event, name, value)
    event.save()
    new = _event_audit(event)
    if new != old:
        audit_record(
            action="fieldwork_event_updated",
            actor=by,
            obj=event,
            old=old,
            new=new,
            request=request,
        )
    return event


@transaction.atomic
def fieldwork_event_cancel(
    *, event: FieldworkEvent, by, reason: str = "", request=None
) -> FieldworkEvent:
    event = FieldworkEvent.objects.select_for_update().get(pk=event.pk)
    if event.status == FieldworkEvent.Status.CANCELLED:
        raise ApplicationError(EVENT_ALREADY_CANCELLED)
    old = event.status
    event.status = FieldworkEvent.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    audit_record(
        action="fieldwork_event_cancelled",
        actor=by,
        obj=event,
        old=old,
        new=event.status,
        detail=(reason or "").strip(),
        request=request,
    )
    return event


# --- Self-evaluation -----------------------------------------------------------------------------


@transaction.atomic
def self_assessment_save(
    *,
    inspection: Inspection,
    qi: QualityIndicator,
    grade: int | None,
    narrative: str,
    by,
    request=None,
) -> SelfAssessment:
    """Store the authority's own grade and narrative for one QI in scope (audited)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status not in SELF_EVALUATION_OPEN:
        raise ApplicationError(
            SELF_EVALUATION_CLOSED.format(status=inspection.get_status_display().lower())
        )
    if not inspection.qis.filter(quality_indicator=qi).exists():
        raise ApplicationError(QI_NOT_IN_SCOPE.format(code=qi.code))
    if grade is not None and not 1 <= int(grade) <= 6:
        raise ApplicationError(
            GRADE_OUT_OF_RANGE, extra={"errors": [("grade", GRADE_OUT_OF_RANGE)]}
        )
    narrative = (narrative or "").replace("\r\n", "\n").strip()
    assessment, _ = SelfAssessment.objects.select_for_update().get_or_create(
        inspection=inspection, quality_indicator=qi
    )
    old = {"grade": assessment.grade, "narrative": assessment.narrative}
    new = {"grade": int(grade) if grade is not None else None, "narrative": narrative}
    if old == new and assessment.updated_by_id is not None:
        return assessment
    assessment.grade = new["grade"]
    assessment.narrative = narrative
    assessment.updated_by = by
    assessment.save()
    audit_record(
        action="self_assessment_saved",
        actor=by,
        obj=assessment,
        old=old,
        new=new,
        request=request,
    )
    return assessment


def self_evaluation_document_upload(
    *, inspection: Inspection, file, by, request=None
) -> StoredFile:
    """Check, scan and keep a self-evaluation document, attached to the inspection.

    Whoever may see the inspection may download it (core.download_file delegates to
    inspections.view_inspection). Raises core.uploads.UploadRejected when refused.
    """
    return upload_accept(file=file, policy="evidence", by=by, owner=inspection, request=request)
