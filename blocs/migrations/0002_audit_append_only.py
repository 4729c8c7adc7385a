"""On PostgreSQL the audit table refuses UPDATE and DELETE at the database level too."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION blocs_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Nhật ký kiểm tra chỉ được ghi thêm (audit events are append-only)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER blocs_auditevent_append_only
    BEFORE UPDATE OR DELETE ON blocs_auditevent
    FOR EACH ROW EXECUTE FUNCTION blocs_auditevent_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS blocs_auditevent_append_only ON blocs_auditevent;
DROP FUNCTION IF EXISTS blocs_auditevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("blocs", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
