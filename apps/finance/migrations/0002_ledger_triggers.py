from django.db import migrations

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION erp_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is an insert-only ledger: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""
CHECK_BALANCED = """
CREATE OR REPLACE FUNCTION finance_check_entry_balanced() RETURNS trigger AS $$
BEGIN
    IF (SELECT SUM(debit) - SUM(credit) FROM finance_journalline WHERE entry_id = NEW.entry_id) <> 0 THEN
        RAISE EXCEPTION 'journal entry % is not balanced', NEW.entry_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""
TRIGGERS = [
    """CREATE TRIGGER finance_journalentry_insert_only BEFORE UPDATE OR DELETE ON finance_journalentry
       FOR EACH ROW EXECUTE FUNCTION erp_refuse_ledger_change()""",
    """CREATE TRIGGER finance_journalline_insert_only BEFORE UPDATE OR DELETE ON finance_journalline
       FOR EACH ROW EXECUTE FUNCTION erp_refuse_ledger_change()""",
    # Checked at commit, once all lines of the entry are in.
    """CREATE CONSTRAINT TRIGGER finance_journalline_balanced AFTER INSERT ON finance_journalline
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finance_check_entry_balanced()""",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REFUSE_CHANGE, None)
    schema_editor.execute(CHECK_BALANCED, None)
    for statement in TRIGGERS:
        schema_editor.execute(statement, None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in (
        ("finance_journalentry_insert_only", "finance_journalentry"),
        ("finance_journalline_insert_only", "finance_journalline"),
        ("finance_journalline_balanced", "finance_journalline"),
    ):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
