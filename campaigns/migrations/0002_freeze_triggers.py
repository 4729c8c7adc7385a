"""On PostgreSQL, the database itself refuses to change a frozen pledge.

- a pledge that is no longer a draft keeps its content columns (state changes are allowed)
  and cannot be deleted;
- items and registrations of a frozen pledge cannot be inserted, updated or deleted;
- signatures can never be updated or deleted.

The same rules are enforced in Python (models, querysets, services, read-only admin) on every
database; the triggers stop a path that bypasses the application, short of a superuser who
disables them. SQLite (the embedded default) gets no triggers: Django empties SQLite tables
with DELETE, which such triggers would refuse."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION campaigns_pledge_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'Giao ước đã niêm phong, không thể xóa (pledge %% is frozen)', OLD.id;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state <> 'draft' AND (
        NEW.campaign_id IS DISTINCT FROM OLD.campaign_id OR
        NEW.drive_id IS DISTINCT FROM OLD.drive_id OR
        NEW.period IS DISTINCT FROM OLD.period OR
        NEW.title IS DISTINCT FROM OLD.title OR
        NEW.preamble IS DISTINCT FROM OLD.preamble OR
        NEW.version IS DISTINCT FROM OLD.version OR
        NEW.canonical_content IS DISTINCT FROM OLD.canonical_content OR
        NEW.content_hash IS DISTINCT FROM OLD.content_hash OR
        NEW.opened_at IS DISTINCT FROM OLD.opened_at OR
        NEW.state = 'draft'
    ) THEN
        RAISE EXCEPTION 'Giao ước đã niêm phong, không thể sửa nội dung (pledge %% is frozen)', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaigns_pledge_frozen
    BEFORE UPDATE OR DELETE ON campaigns_pledge
    FOR EACH ROW EXECUTE FUNCTION campaigns_pledge_frozen();

CREATE OR REPLACE FUNCTION campaigns_pledge_part_frozen() RETURNS trigger AS $$
DECLARE
    frozen boolean;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT state <> 'draft' INTO frozen FROM campaigns_pledge WHERE id = OLD.pledge_id;
        IF frozen THEN
            RAISE EXCEPTION 'Giao ước đã niêm phong, không thể sửa nội dung (pledge %% is frozen)', OLD.pledge_id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT state <> 'draft' INTO frozen FROM campaigns_pledge WHERE id = NEW.pledge_id;
        IF frozen THEN
            RAISE EXCEPTION 'Giao ước đã niêm phong, không thể thêm nội dung (pledge %% is frozen)', NEW.pledge_id;
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaigns_pledgeitem_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON campaigns_pledgeitem
    FOR EACH ROW EXECUTE FUNCTION campaigns_pledge_part_frozen();
CREATE TRIGGER campaigns_pledgeregistration_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON campaigns_pledgeregistration
    FOR EACH ROW EXECUTE FUNCTION campaigns_pledge_part_frozen();

CREATE OR REPLACE FUNCTION campaigns_signature_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Chữ ký giao ước không thể sửa hoặc xóa (signatures are append-only)';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaigns_pledgesignature_append_only
    BEFORE UPDATE OR DELETE ON campaigns_pledgesignature
    FOR EACH ROW EXECUTE FUNCTION campaigns_signature_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS campaigns_pledgesignature_append_only ON campaigns_pledgesignature;
DROP FUNCTION IF EXISTS campaigns_signature_append_only();
DROP TRIGGER IF EXISTS campaigns_pledgeregistration_frozen ON campaigns_pledgeregistration;
DROP TRIGGER IF EXISTS campaigns_pledgeitem_frozen ON campaigns_pledgeitem;
DROP FUNCTION IF EXISTS campaigns_pledge_part_frozen();
DROP TRIGGER IF EXISTS campaigns_pledge_frozen ON campaigns_pledge;
DROP FUNCTION IF EXISTS campaigns_pledge_frozen();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
