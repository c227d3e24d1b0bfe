from django.db import migrations

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION erp_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is an insert-only ledger: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER inventory_stockmove_insert_only BEFORE UPDATE OR DELETE ON inventory_stockmove
FOR EACH ROW EXECUTE FUNCTION erp_refuse_ledger_change();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REFUSE_CHANGE, None)
    schema_editor.execute(TRIGGER, None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS inventory_stockmove_insert_only ON inventory_stockmove")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
