"""Shared services with no domain: the audit log."""

import json
from typing import Any

from django.db import connections, models, transaction
from django.db.models import Q, QuerySet

from core.models import AuditEvent

# The one change the audit log allows (ADR 0011): old and new values replaced by this marker,
# {"redacted": "<why>"}; the PostgreSQL trigger (core migration 0005) refuses anything else.
REDACTION_KEY = "redacted"
_REDACT_BATCH = 500


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


def audit_redact(*, events: QuerySet[AuditEvent], note: str) -> int:
    """Replace the old and new values of these audit entries with {"redacted": note}; return
    how many entries were redacted.

    Only for entries whose values copy record-level data deleted under the retention policy
    (ADR 0011): the caller chooses them. Everything else about an entry (who, when, what, which
    object) stays, and a value that was empty stays empty. The queryset's update() still
    refuses: this is a raw UPDATE, and on PostgreSQL the append-only trigger lets it through
    only inside this transaction, after `SET LOCAL app.audit_redaction = 'on'`, and only when
    nothing but the values changes, to the marker.
    """
    note = (note or "").strip()
    if not note:
        raise ValueError("A redaction needs a note saying why.")
    marker = json.dumps({REDACTION_KEY: note})
    connection = connections[events.db]
    postgres = connection.vendor == "postgresql"
    value = "%s::jsonb" if postgres else "%s"
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    redacted = 0
    with transaction.atomic(using=events.db):
        ids = list(
            events.filter(Q(old_value__isnull=False) | Q(new_value__isnull=False))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SET LOCAL app.audit_redaction = 'on'")
            for start in range(0, len(ids), _REDACT_BATCH):
                batch = ids[start : start + _REDACT_BATCH]
                # Only the quoted table name and placeholders are formatted in; values are
                # parameters.
                cursor.execute(
                    f"UPDATE {table} SET "  # noqa: S608
                    f"old_value = CASE WHEN old_value IS NULL THEN NULL ELSE {value} END, "
                    f"new_value = CASE WHEN new_value IS NULL THEN NULL ELSE {value} END "
                    f"WHERE id IN ({', '.join(['%s'] * len(batch))})",
                    [marker, marker, *batch],
                )
                redacted += cursor.rowcount
            if postgres:
                # Narrow: the rest of the caller's transaction gets no licence to redact.
                cursor.execute("SET LOCAL app.audit_redaction = 'off'")
    return redacted
