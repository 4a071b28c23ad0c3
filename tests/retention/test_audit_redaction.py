"""Retention reaches the audit log's copies of record-level data (issue 9, ADR 0011).

Deleting an activity's readings, answers and interviews redacts the old and new values of the
audit entries that copied them; who, when, what and which object stay. Nothing else in the log
changes, and on PostgreSQL the trigger still refuses any other UPDATE and every DELETE.

The data set is test_retention's (West Dunbartonshire published 800 days ago, Inverclyde 100
days ago), with audit entries written by the real services: a free-text answer typed and
corrected, a moderated answer, an interview and a replaced record.
"""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import AppendOnlyError, AuditEvent
from core.services import audit_record, audit_redact
from inspections import selectors as inspection_selectors
from inspections import services as inspection_services
from inspections.models import (
    Answer,
    EvidenceNote,
    Interview,
    ModeratedAnswer,
    Reading,
    ScrutinyActivity,
)
from qi_framework.models import Question
from retention import services
from retention.selectors import retention_audit_events
from tests.factories import login, person
from tests.inspections.factories import assign
from tests.inspections.reading_factories import make_reading
from tests.retention.test_retention import age, build, publish

pytestmark = pytest.mark.django_db

# What the services copy into the audit log: answers, reasons and the references of records.
REDACTED_ACTIONS = {
    "answer_changed",
    "answer_moderated",
    "interview_recorded",
    "sample_record_replaced",
}
INTERVIEW = {
    "consent_given": "yes",
    "requirement_type": "supervision",
    "understood_order": "yes",
    "staff_relationship": "5",
    "helped": ["worker_relationship", "practical_help"],
    "barriers": "Bus fares",
}


def secret_of(inspection) -> str:
    return f"Lives with his sister at 14 Birch Row ({inspection.activity.authority.name})"


def fieldwork(inspection) -> None:
    """Write the audit entries fieldwork leaves, through the services, quoting the secret."""
    secret = secret_of(inspection)
    records = inspection.records
    reading = Reading.objects.get(sample_record=records[1])
    for text in (f"{secret}, first", f"{secret}, corrected"):
        result = inspection_services.answer_save(
            reading=inspection_selectors.reading_get(pk=reading.pk),
            question="outcomes_notes",
            raw_value=text,
            based_on_version=None,
            client_save_id=uuid.uuid4(),
            by=reading.reader,
        )
        assert result.ok, result.message
    second = assign(person(Role.INSPECTOR), "inspector", inspection)
    make_reading(records[0], second, order=2)
    Reading.objects.filter(sample_record=records[0]).update(status=Reading.Status.SUBMITTED)
    inspection_services.moderation_record(
        sample_record=records[0],
        question=Question.objects.get(
            version=inspection.activity.reading_instrument, code="cjswr_quality"
        ),
        raw_value="4",
        reason=f"The chronology says: {secret}",
        by=inspection.lead,
    )
    inspection_services.interview_record(
        activity=inspection.activity,
        date=dt.date(2019, 2, 14),
        answers={**INTERVIEW, "helped_detail": secret},
        by=inspection.lead,
    )
    inspection_services.sample_replace_record(
        sample_record=records[9], reason="The case file could not be found", by=inspection.lead
    )
    # Kept whatever happens: the inspectors' notes behind a grade.
    inspection_services.evidence_note_save(
        inspection=inspection, code="1.1", text="Reports were timely.", by=inspection.lead
    )


def copies(text: str) -> int:
    """Return how many audit entries hold the text anywhere (values, label or detail)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM core_auditevent WHERE CAST(old_value AS TEXT) LIKE %s "
            "OR CAST(new_value AS TEXT) LIKE %s OR object_label LIKE %s OR detail LIKE %s",
            [f"%{text}%"] * 4,
        )
        return cursor.fetchone()[0]


def record_level_events(inspection) -> dict[int, tuple]:
    """Return the audit entries about the activity's answers, moderated answers, interviews and
    replaced records: id → (action, actor, when, object), read while the rows exist."""
    activity_id = inspection.activity_id
    ids = {
        "inspections.answer": Answer.objects.filter(
            reading__sample_record__sample__activity_id=activity_id
        ),
        "inspections.moderatedanswer": ModeratedAnswer.objects.filter(
            sample_record__sample__activity_id=activity_id
        ),
        "inspections.interview": Interview.objects.filter(activity_id=activity_id),
        "inspections.samplerecord": inspection.records[9].sample.records.all(),
    }
    found = {}
    for object_type, rows in ids.items():
        for event in AuditEvent.objects.filter(
            object_type=object_type,
            object_id__in=[str(pk) for pk in rows.values_list("pk", flat=True)],
            action__in=REDACTED_ACTIONS,
        ):
            found[event.pk] = (
                event.action,
                event.actor_id,
                event.occurred_at,
                event.object_type,
                event.object_id,
                event.object_label,
                event.detail,
            )
    return found


@pytest.fixture
def world(reference_data):
    old = build("west-dunbartonshire")
    old.version = publish(old, days_ago=800)
    recent = build("inverclyde")
    recent.version = publish(recent, days_ago=100)
    for inspection in (old, recent):
        fieldwork(inspection)
    return {"old": old, "recent": recent}


def note_of(activity: ScrutinyActivity) -> str:
    activity.refresh_from_db()
    day = timezone.localdate(activity.record_data_deleted_at)
    return f"record-level data deleted on {day.day} {day:%B %Y} under the retention policy"


def test_deletion_redacts_the_entries_that_copied_the_data_and_nothing_else(world):
    old, recent = world["old"], world["recent"]
    secret, other_secret = secret_of(old), secret_of(recent)
    assert copies(secret) >= 4 and copies(other_secret) >= 4
    about_old = record_level_events(old)
    assert {action for action, *_ in about_old.values()} == REDACTED_ACTIONS
    kept_before = {
        e.pk: (e.old_value, e.new_value) for e in AuditEvent.objects.exclude(pk__in=about_old)
    }

    dry = services.retention_dry_run()
    # The dry run says how many entries would be redacted, and redacts none.
    assert dry.activities[0]["counts"]["audit_entries"] == len(about_old)
    assert dry.totals["audit_entries"] == len(about_old)
    dry_event = AuditEvent.objects.get(action="retention_dry_run")
    assert dry_event.new_value["totals"]["audit_entries"] == len(about_old)
    assert copies(secret) >= 4
    age(dry, days=8)

    run = services.retention_delete()

    note = note_of(old.activity)
    marker = {"redacted": note}
    # No answer, reason or interview answer of the deleted activity is left in the log ...
    assert copies(secret) == 0
    assert not AuditEvent.objects.filter(new_value__icontains="Birch Row (West").exists()
    # ... each entry that copied one says why its values are gone, and keeps the rest.
    after = {e.pk: e for e in AuditEvent.objects.filter(pk__in=about_old)}
    for pk, (action, actor, when, object_type, object_id, label, detail) in about_old.items():
        event = after[pk]
        assert event.new_value == marker, action
        assert event.old_value in (None, marker), action
        assert (
            event.action,
            event.actor_id,
            event.occurred_at,
            event.object_type,
            event.object_id,
            event.object_label,
            event.detail,
        ) == (action, actor, when, object_type, object_id, label, detail)
    first_save = min(
        (e for e in after.values() if e.action == "answer_changed"), key=lambda e: e.pk
    )
    assert first_save.old_value is None  # an empty value stays empty
    # Every other entry is untouched: the other activity's, grades' notes, the sample's, runs'.
    assert copies(other_secret) >= 4
    for event in AuditEvent.objects.filter(pk__in=kept_before):
        assert (event.old_value, event.new_value) == kept_before[event.pk], event.action
    assert AuditEvent.objects.filter(action="evidence_note_saved").count() == 2
    note_entry = AuditEvent.objects.get(
        action="evidence_note_saved",
        object_id=str(EvidenceNote.objects.get(inspection=old).pk),
    )
    assert note_entry.new_value == {"qi": "1.1", "text": "Reports were timely."}
    # Counted in the report, in the activity's entry and in the run's.
    assert run.totals["audit_entries"] == len(about_old)
    assert run.activities[0]["counts"]["audit_entries"] == len(about_old)
    deleted = AuditEvent.objects.get(action="retention_deleted")
    assert deleted.new_value["counts"]["audit_entries"] == len(about_old)
    run_event = AuditEvent.objects.get(action="retention_run")
    assert run_event.new_value["audit_entries_redacted"] == len(about_old)
    # Nothing is left to find, and the log still refuses ordinary changes.
    assert retention_audit_events(activity_id=old.activity_id).count() == 0
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk__in=about_old).update(new_value=None)


def test_a_failed_deletion_redacts_nothing(world, monkeypatch):
    old = world["old"]
    age(services.retention_dry_run(), days=8)

    def fail(activity):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_delete_population_file", fail)
    run = services.retention_delete()

    assert run.outcome == "failed"
    assert copies(secret_of(old)) >= 4
    assert not AuditEvent.objects.filter(new_value__has_key="redacted").exists()


def test_the_audit_log_page_shows_the_redaction_instead_of_the_values(client, world):
    old, recent = world["old"], world["recent"]
    age(services.retention_dry_run(), days=8)
    services.retention_delete()
    login(client, person(Role.ADMINISTRATOR))

    response = client.get(reverse("core:audit_list"), {"action": "interview_recorded"})

    assert response.status_code == 200
    text = response.content.decode()
    assert f"{note_of(old.activity)[0].upper()}{note_of(old.activity)[1:]}." in text
    assert text.count('data-testid="audit-redacted"') == 1
    assert secret_of(old) not in text
    assert secret_of(recent) in text  # the other activity's interview is shown as it was


def test_audit_redact_replaces_only_the_values_given(db):
    both = audit_record(action="test_event", old={"a": "secret"}, new={"a": "other secret"})
    new_only = audit_record(action="test_event", new="secret")
    nothing = audit_record(action="test_event")
    untouched = audit_record(action="test_event", new={"a": "keep me"})

    count = audit_redact(
        events=AuditEvent.objects.filter(pk__in=[both.pk, new_only.pk, nothing.pk]), note="why"
    )

    assert count == 2  # an entry without values has nothing to redact
    values = {
        pk: (old, new)
        for pk, old, new in AuditEvent.objects.values_list("pk", "old_value", "new_value")
    }
    assert values[both.pk] == ({"redacted": "why"}, {"redacted": "why"})
    assert values[new_only.pk] == (None, {"redacted": "why"})
    assert values[nothing.pk] == (None, None)
    assert values[untouched.pk] == (None, {"a": "keep me"})
    with pytest.raises(ValueError):
        audit_redact(events=AuditEvent.objects.all(), note=" ")


# --- PostgreSQL: the trigger lets a redaction through and nothing else ---------------------------


MARKER = '{"redacted": "record-level data deleted on 1 March 2029 under the retention policy"}'


def refused(sql: str, params, *, licensed: bool) -> bool:
    """Run one statement in its own transaction; return whether PostgreSQL refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if licensed:
                cursor.execute("SET LOCAL app.audit_redaction = 'on'")
            cursor.execute(sql, params)
    except DatabaseError as error:
        assert "append-only" in str(error)
        return True
    return False


@pytest.fixture
def entry(transactional_db):
    return audit_record(action="answer_changed", old={"value": "old"}, new={"value": "secret"})


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sql", "params", "licensed"),
    [
        # The marker, but without the setting.
        ("UPDATE core_auditevent SET new_value = %s::jsonb WHERE id = %s", [MARKER], False),
        # The setting, but another column changes too.
        (
            "UPDATE core_auditevent SET new_value = %s::jsonb, action = 'x' WHERE id = %s",
            [MARKER],
            True,
        ),
        ("UPDATE core_auditevent SET detail = 'rewritten' WHERE id = %s", [], True),
        # The setting, but a value that is not the marker.
        ('UPDATE core_auditevent SET new_value = \'{"value": "x"}\' WHERE id = %s', [], True),
        (
            'UPDATE core_auditevent SET new_value = \'{"redacted": "x", "value": "y"}\' '
            "WHERE id = %s",
            [],
            True,
        ),
        ("UPDATE core_auditevent SET new_value = '{\"redacted\": 1}' WHERE id = %s", [], True),
        ("UPDATE core_auditevent SET new_value = '\"redacted\"' WHERE id = %s", [], True),
        # Deleting is never allowed.
        ("DELETE FROM core_auditevent WHERE id = %s", [], True),
        ("DELETE FROM core_auditevent WHERE id = %s", [], False),
    ],
)
def test_postgresql_refuses_anything_but_a_redaction(entry, sql, params, licensed):
    assert refused(sql, [*params, entry.pk], licensed=licensed)
    stored = AuditEvent.objects.get(pk=entry.pk)
    assert (stored.action, stored.detail, stored.new_value) == (
        "answer_changed",
        "",
        {"value": "secret"},
    )


@pytest.mark.postgres
def test_postgresql_allows_the_redaction_only_while_licensed(entry):
    assert not refused(
        "UPDATE core_auditevent SET old_value = NULL, new_value = %s::jsonb WHERE id = %s",
        [MARKER, entry.pk],
        licensed=True,
    )
    assert AuditEvent.objects.get(pk=entry.pk).new_value["redacted"].startswith("record-level")

    other = audit_record(action="answer_changed", new={"value": "secret"})
    with transaction.atomic():
        assert audit_redact(events=AuditEvent.objects.filter(pk=other.pk), note="why") == 1
        # The licence ends with the redaction, not with the caller's transaction.
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE core_auditevent SET new_value = %s::jsonb WHERE id = %s",
                [MARKER, entry.pk],
            )
    assert AuditEvent.objects.get(pk=other.pk).new_value == {"redacted": "why"}
