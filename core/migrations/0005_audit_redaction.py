"""On PostgreSQL, let the audit log's values be redacted under the retention policy, and
nothing else (ADR 0011).

The trigger from 0002 refused every UPDATE and DELETE. Its function now still refuses every
DELETE, and refuses an UPDATE unless all of these hold:

- the transaction has said `SET LOCAL app.audit_redaction = 'on'` (only
  `core.services.audit_redact` does, and turns it off again straight after);
- every column but old_value and new_value is unchanged;
- old_value and new_value are each NULL or the redaction marker: an object with a single key,
  "redacted", whose value is text.

TRUNCATE is left alone, as before. On SQLite (the local default) there is no trigger, as in
0002: the model and its queryset refuse changes there.
"""

from django.db import migrations

REDACTABLE = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND coalesce(current_setting('app.audit_redaction', true), '') = 'on'
        AND (to_jsonb(NEW) - 'old_value' - 'new_value')
            = (to_jsonb(OLD) - 'old_value' - 'new_value')
        AND (
            NEW.old_value IS NULL
            OR (
                jsonb_typeof(NEW.old_value) = 'object'
                AND jsonb_typeof(NEW.old_value -> 'redacted') = 'string'
                AND NEW.old_value = jsonb_build_object('redacted', NEW.old_value ->> 'redacted')
            )
        )
        AND (
            NEW.new_value IS NULL
            OR (
                jsonb_typeof(NEW.new_value) = 'object'
                AND jsonb_typeof(NEW.new_value -> 'redacted') = 'string'
                AND NEW.new_value = jsonb_build_object('redacted', NEW.new_value ->> 'redacted')
            )
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

# 0002's function, restored by the reverse migration (the trigger itself is unchanged).
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REDACTABLE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_publicholiday")]

    operations = [migrations.RunPython(forwards, backwards)]
