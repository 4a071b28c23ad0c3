"""Reminders about overdue actions, sent by Celery beat (improvement.tasks)."""

import datetime as dt
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from core.services import audit_record
from improvement.models import ImprovementAction, ImprovementPlan, PlanElement

A = ImprovementAction.Status
REMINDER_INTERVAL = dt.timedelta(days=7)

__all__ = ["overdue_reminders_send"]


def _authority_contact_emails(plan: ImprovementPlan) -> set[str]:
    return set(
        Membership.objects.filter(
            organisation_id=plan.inspection.activity.authority_id,
            role=Role.AUTHORITY_CONTACT,
            is_active=True,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def _reminder_candidates(now) -> Iterable[int]:
    today = timezone.localdate(now)
    return list(
        ImprovementAction.objects.filter(
            due_date__lt=today,
            element__status=PlanElement.Status.OPEN,
            element__plan__status=ImprovementPlan.Status.OPEN,
        )
        .exclude(status=A.COMPLETE)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - REMINDER_INTERVAL))
        .values_list("pk", flat=True)
    )


def overdue_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Email the owner and the authority's contacts about each overdue action (due date passed,
    not complete), at most once a week per action. Return how many actions were reminded."""
    now = now or timezone.now()
    sent = 0
    for action_id in _reminder_candidates(now):
        with transaction.atomic():
            action = (
                ImprovementAction.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("element__recommendation", "element__plan__inspection__activity")
                .filter(pk=action_id)
                .first()
            )
            if action is None or action.status == A.COMPLETE:
                continue
            if action.last_reminded_at and action.last_reminded_at > now - REMINDER_INTERVAL:
                continue  # another run reminded it a moment ago
            plan = action.element.plan
            recipients = _authority_contact_emails(plan)
            if action.owner_email:
                recipients.add(action.owner_email)
            action.last_reminded_at = now
            action.save(update_fields=["last_reminded_at"])
            audit_record(
                action="improvement_reminder_sent", obj=action, actor_label="Reminder schedule",
                new={"recipients": len(recipients)},
            )  # fmt: skip
            if recipients:
                subject, body = _reminder_message(action, today=timezone.localdate(now))
                transaction.on_commit(
                    partial(
                        send_mail, subject=subject, message=body,
                        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=sorted(recipients),
                    )
                )  # fmt: skip
            sent += 1
    return sent


def _reminder_message(action: ImprovementAction, *, today: dt.date) -> tuple[str, str]:
    element = action.element
    plan = element.plan
    authority = plan.inspection.activity.authority
    days = (today - action.due_date).days
    link = reverse("improvement:element_detail", args=[plan.pk, element.pk])
    subject = f"Overdue improvement action: {authority.name}"
    body = render_to_string(
        "improvement/email/overdue_reminder.txt",
        {
            "action": action,
            "element": element,
            "recommendation": element.recommendation,
            "authority": authority,
            "inspection": plan.inspection,
            "days_overdue": days,
            "link": f"{settings.SITE_URL}{link}",
            "service_name": settings.SERVICE_NAME,
        },
    )
    return subject, body
