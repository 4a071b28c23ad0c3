"""Writes for thematic reviews: set-up, lifecycle, participating areas and the team."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max

from accounts.models import Assignment, Organisation
from accounts.services import assignment_create, assignment_end
from core.exceptions import ApplicationError
from core.services import audit_record
from inspections.models import ScrutinyActivity
from qi_framework.instruments import instrument_version_current
from qi_framework.models import QualityIndicator, ScrutinyKind
from qi_framework.selectors import framework_current, scope_for
from throughcare.assignments import REVIEW_INSPECTOR, REVIEW_LEAD, REVIEW_TEAM
from throughcare.models import ReviewArea, ThematicReview

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DEFAULT_QI_CODES",
    "INSTRUMENT_CODES",
    "REVIEW_DATE_FIELDS",
    "area_co_reader_assign",
    "area_team_remove",
    "review_area_add",
    "review_area_remove",
    "review_create",
    "review_default_instruments",
    "review_default_qis",
    "review_set_qis",
    "review_team_assign",
    "review_team_remove",
    "review_transition",
    "review_update",
]

S = ThematicReview.Status

# The QIs a throughcare review considers when the framework has no scope for it.
DEFAULT_QI_CODES = ("2.1", "3.1", "5.1", "5.2", "5.3", "6.1", "7.1")
# The review's four instruments (questionnaire-engine codes) → the review's field.
INSTRUMENT_CODES = {
    "reading_instrument": "throughcare-file-reading",
    "staff_survey_instrument": "throughcare-staff-survey",
    "prison_survey_instrument": "throughcare-prison-survey",
    "interview_instrument": "throughcare-recall-interview",
}
POPULATION_SCHEMA = "throughcare"
REVIEW_DATE_FIELDS = (
    "starts_on",
    "fieldwork_start",
    "fieldwork_end",
    "target_publication",
    "published_on",
)
EDITABLE_FIELDS = (
    "title",
    "commissioned_by",
    "focus",
    *REVIEW_DATE_FIELDS,
    *INSTRUMENT_CODES,
)

# One step forward at a time; before publication the lead may step back one, with a reason.
FORWARD: dict[str, str] = {
    S.PLANNED: S.FIELDWORK,
    S.FIELDWORK: S.ANALYSIS,
    S.ANALYSIS: S.REPORTING,
    S.REPORTING: S.PUBLISHED,
    S.PUBLISHED: S.FOLLOW_UP,
    S.FOLLOW_UP: S.CLOSED,
}
BACKWARD: dict[str, str] = {
    S.FIELDWORK: S.PLANNED,
    S.ANALYSIS: S.FIELDWORK,
    S.REPORTING: S.ANALYSIS,
}
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(m[status] for m in (FORWARD, BACKWARD) if status in m) for status in S
}
# On an area's activity, the review lead leads the shared fieldwork (sample, moderation) and
# review inspectors read.
ACTIVITY_KIND = {REVIEW_LEAD: "lead_inspector", REVIEW_INSPECTOR: "inspector"}

# --- Messages people see -----------------------------------------------------------------------

NO_CURRENT_FRAMEWORK = "There is no current QI framework. Ask an administrator to load one."
TITLE_REQUIRED = "Enter the review’s title."
COMMISSIONED_BY_REQUIRED = "Enter who commissioned the review."
FOCUS_REQUIRED = "Enter what the review focuses on."
START_REQUIRED = "Enter the date the review starts."
FIELDWORK_BEFORE_START = "Fieldwork cannot start before the review starts."
FIELDWORK_END_BEFORE_START = "The last day of fieldwork must be the same as or after the first day."
PUBLICATION_BEFORE_FIELDWORK_ENDS = "Target publication must be after fieldwork ends."
PUBLISHED_BEFORE_START = "The review cannot be published before it starts."
NO_QIS = "Choose at least one QI the review considers."
QI_NOT_IN_FRAMEWORK = "Choose QIs from the review’s framework."
WRONG_INSTRUMENT = "Choose a published version of the {instrument}."
ILLEGAL_TRANSITION = "A review cannot move from “{current}” to “{to}”."
REASON_REQUIRED = "Give a reason for moving the review back to “{to}”."
PUBLISHED_DATE_REQUIRED = "Enter the date the national report was published first."
NOT_A_LOCAL_AUTHORITY = "Choose a local authority."
ALREADY_TAKING_PART = "{authority} is already taking part in this review."
AREA_HAS_WORK = (
    "{authority} cannot be removed: its population, position statement or meetings are "
    "already recorded."
)
AREA_REMOVAL_CLOSED = "Areas cannot be removed once the review’s report is being written."
NOT_A_TEAM_KIND = "“{kind}” is not a part in a review team."
ONE_LEAD_ONLY = "{name} is already the review lead. Remove them from the team first."
NOT_ON_THIS_TEAM = "That person is not on this review’s team."
NOT_ON_THIS_AREA = "That person is not a co-reader in this area."

INSTRUMENT_NAMES = {
    "reading_instrument": "throughcare file-reading tool",
    "staff_survey_instrument": "staff survey",
    "prison_survey_instrument": "prison survey",
    "interview_instrument": "recall interview schedule",
}


def review_default_qis(*, framework) -> list[QualityIndicator]:
    """Return the QIs a throughcare review considers: the framework's scope, else the defaults."""
    entries = scope_for(framework=framework, scrutiny_kind=ScrutinyKind.THROUGHCARE_REVIEW)
    if entries:
        return [entry.quality_indicator for entry in entries]
    return list(
        QualityIndicator.objects.filter(framework=framework, code__in=DEFAULT_QI_CODES).order_by(
            "position"
        )
    )


def review_default_instruments() -> dict:
    """Return the current published version of each throughcare instrument (None if absent)."""
    return {
        field: instrument_version_current(code=code) for field, code in INSTRUMENT_CODES.items()
    }


def _dates_check(d: dict) -> list[tuple[str, str]]:
    errors = []

    def after(a, b, *, strictly=False) -> bool:
        """False when both are given and a is before (or, strictly, on or before) b."""
        if d.get(a) is None or d.get(b) is None:
            return True
        return d[a] > d[b] if strictly else d[a] >= d[b]

    if d.get("starts_on") is None:
        errors.append(("starts_on", START_REQUIRED))
    if not after("fieldwork_start", "starts_on"):
        errors.append(("fieldwork_start", FIELDWORK_BEFORE_START))
    if not after("fieldwork_end", "fieldwork_start"):
        errors.append(("fieldwork_end", FIELDWORK_END_BEFORE_START))
    if not after("target_publication", "fieldwork_end", strictly=True):
        errors.append(("target_publication", PUBLICATION_BEFORE_FIELDWORK_ENDS))
    if not after("published_on", "starts_on"):
        errors.append(("published_on", PUBLISHED_BEFORE_START))
    return errors


def _text_check(values: dict) -> list[tuple[str, str]]:
    errors = []
    for name, message in (
        ("title", TITLE_REQUIRED),
        ("commissioned_by", COMMISSIONED_BY_REQUIRED),
        ("focus", FOCUS_REQUIRED),
    ):
        if name in values and not values[name]:
            errors.append((name, message))
    return errors


def _instrument_check(values: dict) -> list[tuple[str, str]]:
    from qi_framework.models import InstrumentVersion

    errors = []
    for field, code in INSTRUMENT_CODES.items():
        version = values.get(field)
        if version is None:
            continue
        if version.instrument.code != code or version.status != InstrumentVersion.Status.PUBLISHED:
            errors.append((field, WRONG_INSTRUMENT.format(instrument=INSTRUMENT_NAMES[field])))
    return errors


def _raise(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})


def _audit_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def review_create(
    *,
    title: str,
    commissioned_by: str,
    focus: str,
    starts_on: dt.date,
    by,
    fieldwork_start: dt.date | None = None,
    fieldwork_end: dt.date | None = None,
    target_publication: dt.date | None = None,
    quality_indicators: Iterable[QualityIndicator] | None = None,
    lead=None,
    request=None,
    **instruments,
) -> ThematicReview:
    """Set up a thematic review: QIs considered (defaults from the framework), instruments
    (defaults: the current published throughcare instruments) and, optionally, its lead."""
    unknown = set(instruments) - set(INSTRUMENT_CODES)
    if unknown:
        raise TypeError(f"Unknown review fields: {', '.join(sorted(unknown))}")
    values = {
        "title": (title or "").strip(),
        "commissioned_by": (commissioned_by or "").strip(),
        "focus": (focus or "").strip(),
        "starts_on": starts_on,
        "fieldwork_start": fieldwork_start,
        "fieldwork_end": fieldwork_end,
        "target_publication": target_publication,
    }
    defaults = review_default_instruments()
    for field in INSTRUMENT_CODES:
        values[field] = instruments[field] if field in instruments else defaults[field]
    _raise(_text_check(values) + _dates_check(values) + _instrument_check(values))
    framework = framework_current()
    if framework is None:
        raise ApplicationError(NO_CURRENT_FRAMEWORK)
    qis = (
        list(quality_indicators)
        if quality_indicators is not None
        else review_default_qis(framework=framework)
    )
    if not qis:
        _raise([("quality_indicators", NO_QIS)])
    if any(qi.framework_id != framework.pk for qi in qis):
        _raise([("quality_indicators", QI_NOT_IN_FRAMEWORK)])
    review = ThematicReview.objects.create(framework=framework, created_by=by, **values)
    review.quality_indicators.set(qis)
    audit_record(
        action="review_created",
        actor=by,
        obj=review,
        new={
            **{k: _audit_value(v) for k, v in values.items()},
            "quality_indicators": [qi.code for qi in qis],
        },
        request=request,
    )
    if lead is not None:
        review_team_assign(review=review, user=lead, kind=REVIEW_LEAD, by=by, request=request)
    return review


@transaction.atomic
def review_update(*, review: ThematicReview, by, request=None, **changes) -> ThematicReview:
    """Change a review's title, commissioner, focus, dates or instruments (checked together).

    An area's activity follows the review's reading and interview instruments while its sample
    has no readings yet.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))} with review_update.")
    review = ThematicReview.objects.select_for_update().get(pk=review.pk)
    for name in ("title", "commissioned_by", "focus"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    merged = {name: changes.get(name, getattr(review, name)) for name in EDITABLE_FIELDS}
    _raise(_text_check(changes) + _dates_check(merged) + _instrument_check(changes))
    old, new = {}, {}
    for name, value in changes.items():
        if getattr(review, name) != value:
            old[name] = _audit_value(getattr(review, name))
            new[name] = _audit_value(value)
            setattr(review, name, value)
    if not new:
        return review
    review.save()
    if "title" in new:
        for area in review.areas.select_related("activity__authority"):
            ScrutinyActivity.objects.filter(pk=area.activity_id).update(
                title=_activity_title(review, area.activity.authority)
            )
    if {"reading_instrument", "interview_instrument"} & set(new):
        _activities_follow_instruments(review)
    audit_record(action="review_updated", actor=by, obj=review, old=old, new=new, request=request)
    return review


def _activities_follow_instruments(review: ThematicReview) -> None:
    from inspections.models import Reading

    for area in review.areas.select_related("activity"):
        activity = area.activity
        if Reading.objects.filter(sample_record__sample__activity=activity).exists():
            continue
        activity.reading_instrument = review.reading_instrument
        activity.interview_instrument = review.interview_instrument
        activity.save(update_fields=["reading_instrument", "interview_instrument", "updated_at"])


@transaction.atomic
def review_set_qis(
    *, review: ThematicReview, quality_indicators: Iterable[QualityIndicator], by, request=None
) -> ThematicReview:
    """Set the QIs the review considers (never grades)."""
    qis = list(quality_indicators)
    if not qis:
        _raise([("quality_indicators", NO_QIS)])
    if any(qi.framework_id != review.framework_id for qi in qis):
        _raise([("quality_indicators", QI_NOT_IN_FRAMEWORK)])
    old = sorted(review.quality_indicators.values_list("code", flat=True))
    review.quality_indicators.set(qis)
    new = sorted(qi.code for qi in qis)
    if old != new:
        audit_record(
            action="review_qis_changed", actor=by, obj=review, old=old, new=new, request=request
        )
    return review


@transaction.atomic
def review_transition(
    *, review: ThematicReview, to: str, by, reason: str = "", request=None
) -> ThematicReview:
    """Move a review along its lifecycle (ALLOWED_TRANSITIONS); a move back needs a reason.

    Publishing records the publication date (today unless one is already set).
    """
    review = ThematicReview.objects.select_for_update().get(pk=review.pk)
    current = review.status
    if to not in ALLOWED_TRANSITIONS.get(current, ()):
        raise ApplicationError(
            ILLEGAL_TRANSITION.format(current=_status_label(current), to=_status_label(to))
        )
    reason = (reason or "").strip()
    if BACKWARD.get(current) == to and not reason:
        _raise([("reason", REASON_REQUIRED.format(to=_status_label(to)))])
    review.status = to
    fields = ["status", "updated_at"]
    if to == S.PUBLISHED and review.published_on is None:
        review.published_on = dt.date.today()
        fields.append("published_on")
    review.save(update_fields=fields)
    audit_record(
        action="review_status_changed",
        actor=by,
        obj=review,
        old=current,
        new=to,
        detail=reason,
        request=request,
    )
    return review


def _status_label(value: str) -> str:
    try:
        return S(value).label
    except ValueError:
        return value


# --- Areas ---------------------------------------------------------------------------------------


def _activity_title(review: ThematicReview, authority: Organisation) -> str:
    return f"{review.title}: {authority.name}"[:200]


def _team(review: ThematicReview) -> list[Assignment]:
    ct = ContentType.objects.get_for_model(ThematicReview)
    return list(
        Assignment.objects.filter(
            target_type=ct, target_id=review.pk, kind__in=REVIEW_TEAM, ended_at__isnull=True
        ).select_related("user")
    )


def _activity_assignment(user, kind: str, activity: ScrutinyActivity) -> Assignment | None:
    ct = ContentType.objects.get_for_model(ScrutinyActivity)
    return Assignment.objects.filter(
        user=user, kind=kind, target_type=ct, target_id=activity.pk, ended_at__isnull=True
    ).first()


def _assign_on_activity(user, review_kind: str, activity, by, request) -> None:
    kind = ACTIVITY_KIND[review_kind]
    if _activity_assignment(user, kind, activity) is None:
        assignment_create(user=user, kind=kind, target=activity, by=by, request=request)


@transaction.atomic
def review_area_add(
    *, review: ThematicReview, authority: Organisation, by, request=None
) -> ReviewArea:
    """Add a participating authority: its fieldwork activity, with the review team on it."""
    if authority is None or authority.kind != Organisation.Kind.LOCAL_AUTHORITY:
        _raise([("authority", NOT_A_LOCAL_AUTHORITY)])
    ThematicReview.objects.select_for_update().filter(pk=review.pk).first()
    if review.areas.filter(activity__authority=authority).exists():
        _raise([("authority", ALREADY_TAKING_PART.format(authority=authority.name))])
    activity = ScrutinyActivity.objects.create(
        title=_activity_title(review, authority),
        scrutiny_kind=ScrutinyKind.THROUGHCARE_REVIEW,
        authority=authority,
        framework=review.framework,
        population_schema=POPULATION_SCHEMA,
        reading_instrument=review.reading_instrument,
        interview_instrument=review.interview_instrument,
    )
    position = (review.areas.aggregate(m=Max("position"))["m"] or 0) + 1
    area = ReviewArea.objects.create(review=review, activity=activity, position=position)
    for assignment in _team(review):
        _assign_on_activity(assignment.user, assignment.kind, activity, by, request)
    audit_record(
        action="review_area_added",
        actor=by,
        obj=review,
        new={"authority": authority.name},
        request=request,
    )
    return area


@transaction.atomic
def review_area_remove(*, area: ReviewArea, by, request=None) -> None:
    """Take an authority out of a review before any of its work is recorded."""
    from inspections.models import FieldworkEvent, Population

    review = area.review
    if review.status not in {S.PLANNED, S.FIELDWORK}:
        raise ApplicationError(AREA_REMOVAL_CLOSED)
    activity = area.activity
    has_work = (
        Population.objects.filter(activity=activity).exists()
        or FieldworkEvent.objects.filter(activity=activity).exists()
        or area.meetings.exists()
        or (hasattr(area, "position_statement") and area.position_statement.submitted_at)
    )
    if has_work:
        raise ApplicationError(AREA_HAS_WORK.format(authority=activity.authority.name))
    ct = ContentType.objects.get_for_model(ScrutinyActivity)
    for assignment in Assignment.objects.filter(
        target_type=ct, target_id=activity.pk, ended_at__isnull=True
    ):
        assignment_end(assignment=assignment, by=by, request=request)
    authority_name = activity.authority.name
    area.delete()
    activity.delete()
    audit_record(
        action="review_area_removed",
        actor=by,
        obj=review,
        old={"authority": authority_name},
        request=request,
    )


# --- Team ----------------------------------------------------------------------------------------


@transaction.atomic
def review_team_assign(*, review: ThematicReview, user, kind: str, by, request=None) -> Assignment:
    """Add a person to the review team; they read (the lead also leads) in every area."""
    if kind not in REVIEW_TEAM:
        raise ApplicationError(NOT_A_TEAM_KIND.format(kind=kind))
    if kind == REVIEW_LEAD:
        lead = next((a for a in _team(review) if a.kind == REVIEW_LEAD), None)
        if lead is not None:
            raise ApplicationError(ONE_LEAD_ONLY.format(name=lead.user.name))
    assignment = assignment_create(user=user, kind=kind, target=review, by=by, request=request)
    for area in review.areas.select_related("activity"):
        _assign_on_activity(user, kind, area.activity, by, request)
    return assignment


@transaction.atomic
def review_team_remove(
    *, review: ThematicReview, assignment: Assignment, by, request=None
) -> Assignment:
    """Take a person off the review team, and off each area's activity for that part."""
    if (
        assignment.target_id != review.pk
        or assignment.target_type.model_class() is not ThematicReview
        or assignment.kind not in REVIEW_TEAM
        or assignment.ended_at is not None
    ):
        raise ApplicationError(NOT_ON_THIS_TEAM)
    ended = assignment_end(assignment=assignment, by=by, request=request)
    kind = ACTIVITY_KIND[assignment.kind]
    for area in review.areas.select_related("activity"):
        on_activity = _activity_assignment(assignment.user, kind, area.activity)
        if on_activity is not None:
            assignment_end(assignment=on_activity, by=by, request=request)
    assignment.user.__dict__.pop("_user_context", None)
    return ended


@transaction.atomic
def area_co_reader_assign(*, area: ReviewArea, user, by, request=None) -> Assignment:
    """Add a local co-reader (a member of the area's authority) to read that area's records."""
    return assignment_create(
        user=user, kind="local_co_reader", target=area.activity, by=by, request=request
    )


@transaction.atomic
def area_team_remove(*, area: ReviewArea, assignment: Assignment, by, request=None) -> Assignment:
    """End a co-reader's assignment on the area's activity."""
    if (
        assignment.target_id != area.activity_id
        or assignment.target_type.model_class() is not ScrutinyActivity
        or assignment.kind != "local_co_reader"
        or assignment.ended_at is not None
    ):
        raise ApplicationError(NOT_ON_THIS_AREA)
    return assignment_end(assignment=assignment, by=by, request=request)
