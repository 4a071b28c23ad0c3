"""Reads for inspections: the scoped list, the home page's task list, team, timetable and
self-evaluation."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse

from accounts.models import Assignment, Membership, Organisation, Role, User
from accounts.selectors import assignments_for, user_context
from core.models import StoredFile
from core.uploads import stored_files_of
from inspections.models import (
    FieldworkEvent,
    Inspection,
    InspectionQI,
    Interview,
    Population,
    Reading,
    Sample,
    SampleRecord,
    ScrutinyActivity,
    SelfAssessment,
)
from inspections.selectors.report import report_task as _report_task
from inspections.selectors.report_versions import publication_tasks as _publication_tasks
from inspections.services.setup import BACKWARD, FORWARD, TEAM_KINDS

__all__ = [
    "InspectionMove",
    "InspectionTask",
    "TaskState",
    "fieldwork_events_of",
    "inspection_list_visible_to",
    "inspection_moves_for",
    "inspection_tasks",
    "inspection_team",
    "self_evaluation_documents",
    "self_evaluation_rows",
    "team_eligible_people",
]

S = Inspection.Status
READING_KINDS = ("lead_inspector", "inspector", "associate_assessor", "local_co_reader")
VISIBLE_KINDS = (*READING_KINDS, "local_coordinator")


def _activity_type_id() -> int:
    return ContentType.objects.get_for_model(ScrutinyActivity).id


def inspection_list_visible_to(*, user) -> QuerySet[Inspection]:
    """Return the inspections a person may see, with what the list shows (one query).

    Managers and administrators see all; anyone else sees the inspections whose team they are
    on and those of an authority they are a contact or co-ordinator for.
    """
    qs = Inspection.objects.select_related("activity__authority").annotate(
        lead_name=Subquery(
            Assignment.objects.filter(
                target_type_id=_activity_type_id(),
                target_id=OuterRef("activity_id"),
                kind="lead_inspector",
                ended_at__isnull=True,
            ).values("user__name")[:1]
        )
    )
    context = user_context(user)
    if context.user_id is None:
        return qs.none()
    if context.has_role(Role.MANAGER, Role.ADMINISTRATOR) or user.is_superuser:
        return qs
    activity_type = _activity_type_id()
    activity_ids = {
        target_id
        for kind, target_type, target_id in context.assignments
        if target_type == activity_type and kind in VISIBLE_KINDS
    }
    authority_ids = {
        org
        for org, role in context.roles
        if role in {Role.AUTHORITY_CONTACT, Role.LOCAL_COORDINATOR}
    }
    if not activity_ids and not authority_ids:
        return qs.none()
    return qs.filter(Q(activity_id__in=activity_ids) | Q(activity__authority_id__in=authority_ids))


# --- Lifecycle -----------------------------------------------------------------------------------

FORWARD_LABELS = {
    S.SELF_EVALUATION: "Start self-evaluation",
    S.FIELDWORK: "Start fieldwork",
    S.EVALUATION: "Start evaluation",
    S.REPORTING: "Start reporting",
    S.PUBLISHED: "Mark as published",
    S.IMPROVEMENT: "Start improvement monitoring",
    S.CLOSED: "Close the inspection",
}


@dataclass(frozen=True)
class InspectionMove:
    to: str
    label: str
    backward: bool


def inspection_moves_for(*, inspection: Inspection, user) -> list[InspectionMove]:
    """Return the lifecycle moves this person may make now (forward first)."""
    if not user.has_perm("inspections.manage_inspection", inspection):
        return []
    moves = []
    forward = FORWARD.get(inspection.status)
    if forward and (
        forward != S.PUBLISHED or user.has_perm("inspections.publish_inspection", inspection)
    ):
        moves.append(InspectionMove(forward, FORWARD_LABELS[forward], False))
    backward = BACKWARD.get(inspection.status)
    if backward:
        moves.append(InspectionMove(backward, f"Move back to {S(backward).label.lower()}", True))
    return moves


# --- Task list -----------------------------------------------------------------------------------


class TaskState:
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    CANNOT_START = "Cannot start yet"


@dataclass(frozen=True)
class InspectionTask:
    name: str
    state: str
    url: str | None = None
    hint: str = ""

    @property
    def tag_class(self) -> str:
        """The GOV.UK task list status style: plain text for done or blocked, a tag otherwise."""
        return {
            TaskState.NOT_STARTED: "govuk-tag govuk-tag--blue",
            TaskState.IN_PROGRESS: "govuk-tag govuk-tag--light-blue",
        }.get(self.state, "")


def _link(url_name: str, inspection: Inspection, user, permission: str) -> str | None:
    """Return the step's page for this person, if the page exists and they may open it."""
    if user is not None and not user.has_perm(permission, inspection):
        return None
    try:
        return reverse(f"inspections:{url_name}", kwargs={"pk": inspection.pk})
    except NoReverseMatch:
        return None


KEY_DATES = (
    "notice_date",
    "self_evaluation_due",
    "fieldwork_start",
    "fieldwork_end",
    "feedback_date",
    "target_publication",
)
AFTER_FIELDWORK = {S.EVALUATION, S.REPORTING, S.PUBLISHED, S.IMPROVEMENT, S.CLOSED}


def inspection_tasks(*, inspection: Inspection, user=None) -> list[InspectionTask]:
    """Return the inspection's steps, each with its state and (for this person) its page."""
    activity = inspection.activity
    tasks: list[InspectionTask] = []

    # Details and QIs: done when every key date, the governance and some QIs are recorded.
    qi_count = inspection.qis.count()
    details_done = (
        all(getattr(inspection, name) for name in KEY_DATES) and inspection.governance and qi_count
    )
    tasks.append(
        InspectionTask(
            "Inspection details and QIs",
            TaskState.COMPLETED if details_done else TaskState.IN_PROGRESS,
            _link("inspection_update", inspection, user, "inspections.manage_inspection")
            or _link("inspection_qis", inspection, user, "inspections.view_inspection"),
            f"{qi_count} QI{'s' if qi_count != 1 else ''} in scope",
        )
    )

    kinds = set(assignments_for(target=activity).values_list("kind", flat=True))
    if not kinds:
        team_state = TaskState.NOT_STARTED
    elif {"lead_inspector", "local_coordinator"} <= kinds and kinds & {
        "inspector",
        "associate_assessor",
    }:
        team_state = TaskState.COMPLETED
    else:
        team_state = TaskState.IN_PROGRESS
    tasks.append(
        InspectionTask(
            "Team",
            team_state,
            _link("inspection_team", inspection, user, "inspections.view_inspection"),
        )
    )

    statuses = set(
        activity.fieldwork_events.exclude(status=FieldworkEvent.Status.CANCELLED).values_list(
            "status", flat=True
        )
    )
    if not statuses:
        timetable_state = TaskState.NOT_STARTED
    elif FieldworkEvent.Status.PROPOSED in statuses:
        timetable_state = TaskState.IN_PROGRESS
    else:
        timetable_state = TaskState.COMPLETED
    tasks.append(
        InspectionTask(
            "Fieldwork timetable",
            timetable_state,
            _link("fieldworkevent_list", inspection, user, "inspections.view_inspection"),
        )
    )

    assessed = SelfAssessment.objects.filter(
        inspection=inspection,
        quality_indicator_id__in=inspection.qis.values("quality_indicator_id"),
    ).aggregate(
        touched=Count("id", filter=Q(grade__isnull=False) | ~Q(narrative="")),
        done=Count("id", filter=Q(grade__isnull=False) & ~Q(narrative="")),
    )
    has_documents = _documents(inspection).exists()
    if qi_count and assessed["done"] == qi_count:
        self_state = TaskState.COMPLETED
    elif assessed["touched"] or has_documents:
        self_state = TaskState.IN_PROGRESS
    else:
        self_state = TaskState.NOT_STARTED
    tasks.append(
        InspectionTask(
            "Self-evaluation",
            self_state,
            _link("selfassessment_list", inspection, user, "inspections.view_self_evaluation"),
        )
    )

    population = Population.objects.filter(activity=activity).first()
    tasks.append(
        InspectionTask(
            "Population of records",
            TaskState.COMPLETED if population else TaskState.NOT_STARTED,
            _link("population_upload", inspection, user, "inspections.upload_population"),
            f"{population.row_count} records" if population else "",
        )
    )

    sample = Sample.objects.filter(activity=activity).first()
    if population is None:
        sample_state = TaskState.CANNOT_START
    elif sample is None:
        sample_state = TaskState.NOT_STARTED
    elif sample.is_locked:
        sample_state = TaskState.COMPLETED
    else:
        sample_state = TaskState.IN_PROGRESS
    tasks.append(
        InspectionTask(
            "Sample",
            sample_state,
            _link("sample_detail", inspection, user, "inspections.view_sample")
            if population
            else None,
            f"{sample.size} records" if sample else "",
        )
    )

    reading_state, moderation_state = _reading_states(inspection, sample)
    tasks.append(
        InspectionTask(
            "Record reading",
            reading_state,
            (
                _link("reading_queue", inspection, user, "inspections.read_records")
                or _link("reading_queue", inspection, user, "inspections.view_readings")
            )
            if sample
            else None,
        )
    )
    tasks.append(
        InspectionTask(
            "Double reading and moderation",
            moderation_state,
            _link("moderation_list", inspection, user, "inspections.view_readings")
            if sample
            else None,
        )
    )
    if user is None or user.has_perm("inspections.view_readings", inspection):
        tasks.append(
            InspectionTask(
                "Evidence by QI",
                reading_state,
                _link("evidence_index", inspection, user, "inspections.view_readings")
                if sample
                else None,
                "What the reading, interviews and focus groups show for each QI",
            )
        )

    interviews = Interview.objects.filter(activity=activity).count()
    focus_groups = activity.fieldwork_events.filter(status=FieldworkEvent.Status.COMPLETED).exclude(
        kind=FieldworkEvent.Kind.READING_SESSION
    )
    if not interviews and not focus_groups.exists():
        talk_state = TaskState.NOT_STARTED
    elif inspection.status in AFTER_FIELDWORK:
        talk_state = TaskState.COMPLETED
    else:
        talk_state = TaskState.IN_PROGRESS
    tasks.append(
        InspectionTask(
            "Interviews and focus groups",
            talk_state,
            _link("interview_list", inspection, user, "inspections.view_interviews"),
            f"{interviews} interview{'s' if interviews != 1 else ''} recorded"
            if user is None or user.has_perm("inspections.view_interviews", inspection)
            else "",
        )
    )
    if user is None or user.has_perm("inspections.view_evaluations", inspection):
        tasks.append(_evaluation_task(inspection, user))
    tasks.extend(t for t in [_report_task(inspection=inspection, user=user)] if t)
    tasks.extend(_publication_tasks(inspection=inspection, user=user))
    tasks.extend(t for t in [_improvement_task(inspection, user)] if t)
    return _retention_marked(tasks, activity)


# The steps whose data the retention policy deletes (retention/, ADR 0011).
RECORD_LEVEL_STEPS = {
    "Population of records",
    "Sample",
    "Record reading",
    "Double reading and moderation",
    "Evidence by QI",
    "Interviews and focus groups",
}


def _retention_marked(tasks: list[InspectionTask], activity) -> list[InspectionTask]:
    """Once record-level data is deleted, its steps say so rather than "Not started"."""
    if activity.record_data_deleted_at is None:
        return tasks
    from retention.selectors import record_data_notice

    notice = record_data_notice(activity=activity)
    message = notice.figure_message if notice else ""
    hint = message[:1].upper() + message[1:]
    return [
        InspectionTask(task.name, TaskState.COMPLETED, task.url, hint)
        if task.name in RECORD_LEVEL_STEPS
        else task
        for task in tasks
    ]


def _improvement_task(inspection: Inspection, user) -> InspectionTask | None:
    """The improvement plan (improvement/), once publication has opened it."""
    plan = getattr(inspection, "improvement_plan", None)
    if plan is None:
        return None
    if user is not None and not user.has_perm("improvement.view_improvementplan", plan):
        return None
    addressed = plan.elements.filter(status="addressed").count()
    total = plan.elements.count()
    return InspectionTask(
        "Improvement plan",
        TaskState.COMPLETED if plan.status == "closed" else TaskState.IN_PROGRESS,
        reverse("improvement:plan_detail", args=[plan.pk]),
        f"{addressed} of {total} recommendations and areas for improvement addressed",
    )


def _evaluation_task(inspection: Inspection, user) -> InspectionTask:
    """Evaluations: only the inspection team sees this step (grades stay internal)."""
    from inspections.models import Evaluation, EvaluationRecord

    record = EvaluationRecord.objects.filter(inspection=inspection).first()
    if record is not None and record.locked_at is not None:
        state = TaskState.COMPLETED
    elif Evaluation.objects.filter(inspection=inspection).exists() or (
        record is not None and record.capacity_for_improvement
    ):
        state = TaskState.IN_PROGRESS
    else:
        state = TaskState.NOT_STARTED
    return InspectionTask(
        "Evaluations and recommendations",
        state,
        _link("evaluation_list", inspection, user, "inspections.view_evaluations"),
    )


def _reading_states(inspection: Inspection, sample: Sample | None) -> tuple[str, str]:
    """Reading: done when every active sampled record has its readings submitted (two for the
    double-read share). Moderation: done when every double-read pair is in and fieldwork is over
    (disagreements are settled before evaluation starts)."""
    if sample is None:
        return TaskState.CANNOT_START, TaskState.CANNOT_START
    rows = list(
        SampleRecord.objects.filter(
            sample=sample, role=SampleRecord.Role.SAMPLED, status=SampleRecord.Status.ACTIVE
        )
        .annotate(
            submitted=Count("readings", filter=Q(readings__status=Reading.Status.SUBMITTED)),
        )
        .values_list("double_read", "submitted")
    )
    if not rows or not any(submitted for _, submitted in rows):
        reading = TaskState.NOT_STARTED
    elif all(submitted >= (2 if double else 1) for double, submitted in rows):
        reading = TaskState.COMPLETED
    else:
        reading = TaskState.IN_PROGRESS
    pairs = [submitted for double, submitted in rows if double]
    if not pairs or not any(submitted >= 2 for submitted in pairs):
        moderation = TaskState.NOT_STARTED
    elif all(submitted >= 2 for submitted in pairs) and inspection.status in AFTER_FIELDWORK:
        moderation = TaskState.COMPLETED
    else:
        moderation = TaskState.IN_PROGRESS
    return reading, moderation


# --- Team ----------------------------------------------------------------------------------------


def inspection_team(*, inspection: Inspection) -> dict[str, list[Assignment]]:
    """Return the team's active assignments by kind, in the order parts are listed."""
    team: dict[str, list[Assignment]] = {kind: [] for kind in TEAM_KINDS}
    for assignment in assignments_for(target=inspection.activity).order_by("user__name"):
        if assignment.kind in team:
            team[assignment.kind].append(assignment)
    return team


def team_eligible_people(*, inspection: Inspection, kind: str) -> QuerySet[User]:
    """Return the people whose memberships fit a part in the team, not yet holding it."""
    authority_id = inspection.activity.authority_id
    active = Membership.objects.filter(is_active=True)
    if kind in {"lead_inspector", "inspector"}:
        members = active.filter(role=Role.INSPECTOR)
        excluded = User.objects.none()
    elif kind == "associate_assessor":
        members = active.filter(organisation__kind=Organisation.Kind.LOCAL_AUTHORITY).exclude(
            organisation_id=authority_id
        )
        excluded = active.filter(organisation_id=authority_id).values("user_id")
    elif kind == "local_co_reader":
        members = active.filter(organisation_id=authority_id)
        excluded = User.objects.none()
    elif kind == "local_coordinator":
        members = active.filter(
            organisation_id=authority_id,
            role__in=[Role.LOCAL_COORDINATOR, Role.AUTHORITY_CONTACT],
        )
        excluded = User.objects.none()
    else:
        return User.objects.none()
    holding = assignments_for(target=inspection.activity).filter(kind=kind).values("user_id")
    return (
        User.objects.filter(is_active=True, id__in=members.values("user_id"))
        .exclude(id__in=holding)
        .exclude(id__in=excluded)
        .order_by("name")
    )


# --- Timetable and self-evaluation ---------------------------------------------------------------


def fieldwork_events_of(*, inspection: Inspection) -> QuerySet[FieldworkEvent]:
    return inspection.activity.fieldwork_events.order_by("date", "start_time", "pk")


@dataclass(frozen=True)
class SelfEvaluationRow:
    scope: InspectionQI
    assessment: SelfAssessment | None

    @property
    def quality_indicator(self):
        return self.scope.quality_indicator


def self_evaluation_rows(*, inspection: Inspection) -> list[SelfEvaluationRow]:
    """Return each QI in scope with the authority's grade and narrative (two queries)."""
    assessments = {
        a.quality_indicator_id: a
        for a in SelfAssessment.objects.filter(inspection=inspection).select_related("updated_by")
    }
    return [
        SelfEvaluationRow(row, assessments.get(row.quality_indicator_id))
        for row in inspection.qis.select_related("quality_indicator")
    ]


def _documents(inspection: Inspection) -> QuerySet[StoredFile]:
    return stored_files_of(owner=inspection).filter(purpose="evidence")


def self_evaluation_documents(*, inspection: Inspection) -> QuerySet[StoredFile]:
    """Return the self-evaluation documents attached to the inspection, newest first."""
    return _documents(inspection).select_related("uploaded_by")
