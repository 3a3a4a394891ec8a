"""The audit log is append-only in the database itself: UPDATE and DELETE on it raise an error."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    """CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER core_auditentry_no_update", "DROP TRIGGER core_auditentry_no_delete"]

POSTGRES = [
    """CREATE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER core_auditentry_append_only ON core_auditentry",
    "DROP FUNCTION core_auditentry_append_only()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
