"""A DELETE on leases_slot keeps the row's generation in leases_high_water, so a
recreated slot starts above every token ever issued for it (never reused)."""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER leases_slot_keep_high_water AFTER DELETE ON leases_slot
    BEGIN
        INSERT INTO leases_high_water (seat, slot, generation)
        VALUES (OLD.seat, OLD.slot, OLD.generation)
        ON CONFLICT (seat, slot) DO UPDATE SET generation = max(generation, excluded.generation);
    END
    """,
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS leases_slot_keep_high_water"]

POSTGRES = [
    """
    CREATE FUNCTION leases_slot_keep_high_water() RETURNS trigger AS $$
    BEGIN
        INSERT INTO leases_high_water (seat, slot, generation)
        VALUES (OLD.seat, OLD.slot, OLD.generation)
        ON CONFLICT (seat, slot) DO UPDATE
            SET generation = GREATEST(leases_high_water.generation, EXCLUDED.generation);
        RETURN OLD;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER leases_slot_keep_high_water AFTER DELETE ON leases_slot
    FOR EACH ROW EXECUTE FUNCTION leases_slot_keep_high_water()
    """,
]
POSTGRES_UNDO = [
    "DROP TRIGGER IF EXISTS leases_slot_keep_high_water ON leases_slot",
    "DROP FUNCTION IF EXISTS leases_slot_keep_high_water()",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("leases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        )
    ]
