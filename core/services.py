"""Shared services with no domain: the audit log."""

from typing import Any

from django.db import models

from core.models import AuditEvent


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    old: Any = None,
    new: Any = None,
    request=None,
    detail: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one entry to the audit log: who, when, what, and the old and new values."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=(actor.email if actor is not None else actor_label)[:254],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        old_value=old,
        new_value=new,
        ip_address=_client_ip(request),
        detail=detail[:500],
    )
