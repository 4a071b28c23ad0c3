"""Writes for the authority's side of a plan: actions and progress updates with evidence."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from core.uploads import upload_accept
from improvement.models import ImprovementAction, ImprovementPlan, PlanElement, ProgressUpdate
from improvement.services.plans import (
    ACTION_CHANGED_ELSEWHERE,
    DESCRIPTION_REQUIRED,
    DESCRIPTION_TOO_LONG,
    DUE_DATE_REQUIRED,
    ELEMENT_ADDRESSED,
    OWNER_REQUIRED,
    PLAN_CLOSED,
    STATUS_INVALID,
    TEXT_LIMIT,
    UPDATE_REQUIRED,
    UPDATE_TOO_LONG,
    plan_locked,
    plan_touch,
)

A = ImprovementAction.Status

__all__ = ["action_create", "action_update", "progress_update_add"]


def _check_editable(element: PlanElement) -> None:
    if element.plan.status == ImprovementPlan.Status.CLOSED:
        raise ApplicationError(PLAN_CLOSED)
    if element.status == PlanElement.Status.ADDRESSED:
        raise ApplicationError(ELEMENT_ADDRESSED)


def _action_values(description, owner_name, owner_email, due_date, status=None) -> dict:
    errors = []
    description = (description or "").strip()
    owner_name = (owner_name or "").strip()
    if not description:
        errors.append(("description", DESCRIPTION_REQUIRED))
    elif len(description) > TEXT_LIMIT:
        errors.append(("description", DESCRIPTION_TOO_LONG))
    if not owner_name:
        errors.append(("owner_name", OWNER_REQUIRED))
    if due_date is None:
        errors.append(("due_date", DUE_DATE_REQUIRED))
    if status is not None and status not in A.values:
        errors.append(("status", STATUS_INVALID))
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    values = {
        "description": description,
        "owner_name": owner_name,
        "owner_email": (owner_email or "").strip().lower(),
        "due_date": due_date,
    }
    if status is not None:
        values["status"] = status
    return values


def _action_json(action: ImprovementAction) -> dict:
    return {
        "description": action.description,
        "owner_name": action.owner_name,
        "owner_email": action.owner_email,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "status": action.status,
    }


@transaction.atomic
def action_create(
    *, element: PlanElement, description: str, owner_name: str, owner_email: str = "",
    due_date: dt.date | None, by, request=None,
) -> ImprovementAction:  # fmt: skip
    """Add an action the authority will take towards an element."""
    plan = plan_locked(element.plan)
    element = PlanElement.objects.get(pk=element.pk)
    element.plan = plan
    _check_editable(element)
    values = _action_values(description, owner_name, owner_email, due_date)
    action = ImprovementAction.objects.create(
        element=element, created_by=by, updated_by=by, **values
    )
    audit_record(
        action="improvement_action_created", actor=by, obj=action, new=_action_json(action),
        request=request,
    )  # fmt: skip
    plan_touch(plan)
    return action


@transaction.atomic
def action_update(
    *, action: ImprovementAction, description: str, owner_name: str, owner_email: str = "",
    due_date: dt.date | None, status: str, by, expected_version: int | None = None,
    request=None,
) -> ImprovementAction:  # fmt: skip
    """Change an action: what, who, when and how far it has got.

    With `expected_version` (the version the person's form was based on), a change someone else
    made in the meantime is refused rather than silently overwritten.
    """
    plan = plan_locked(action.element.plan)
    action = (
        ImprovementAction.objects.select_for_update(of=("self",))
        .select_related("element", "updated_by")
        .get(pk=action.pk)
    )
    action.element.plan = plan
    _check_editable(action.element)
    if expected_version is not None and action.version != expected_version:
        name = action.updated_by.name if action.updated_by else "Someone else"
        raise ApplicationError(ACTION_CHANGED_ELSEWHERE.format(name=name), extra={"stale": True})
    values = _action_values(description, owner_name, owner_email, due_date, status)
    old = _action_json(action)
    for name, value in values.items():
        setattr(action, name, value)
    if action.status == A.COMPLETE and old["status"] != A.COMPLETE:
        action.completed_at = timezone.now()
    elif action.status != A.COMPLETE:
        action.completed_at = None
    if action.due_date.isoformat() != old["due_date"]:
        action.last_reminded_at = None  # a new due date deserves a new reminder when it passes
    new = _action_json(action)
    if new != old:
        action.updated_by = by
        action.version += 1
        action.save()
        audit_record(
            action="improvement_action_changed", actor=by, obj=action, old=old, new=new,
            request=request,
        )  # fmt: skip
        plan_touch(plan)
    return action


@transaction.atomic
def progress_update_add(
    *, action: ImprovementAction, text: str, file=None, by, request=None
) -> ProgressUpdate:
    """Record progress on an action; an evidence file goes through the upload pipeline and
    belongs to the update. Raises UploadRejected (storing nothing) if the file is refused."""
    plan = plan_locked(action.element.plan)
    action = ImprovementAction.objects.select_related("element").get(pk=action.pk)
    action.element.plan = plan
    _check_editable(action.element)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(UPDATE_REQUIRED, extra={"errors": [("text", UPDATE_REQUIRED)]})
    if len(text) > TEXT_LIMIT:
        raise ApplicationError(UPDATE_TOO_LONG, extra={"errors": [("text", UPDATE_TOO_LONG)]})
    update = ProgressUpdate.objects.create(action=action, text=text, author=by)
    if file is not None:
        update.evidence = upload_accept(
            file=file, policy="evidence", by=by, owner=update, request=request
        )
        update.save(update_fields=["evidence"])
    audit_record(
        action="improvement_progress_added",
        actor=by,
        obj=update,
        new={"text": text, "file": str(update.evidence_id) if update.evidence_id else None},
        request=request,
    )
    plan_touch(plan)
    return update
