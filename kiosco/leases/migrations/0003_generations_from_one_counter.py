"""Generations from one counter that no Django model owns, instead of a per-row
high-water mark kept by a DELETE trigger (which TRUNCATE skipped, and which a delete
still open in another transaction raced). ``flush`` truncates (PostgreSQL) or
deletes (SQLite) only the models' tables, so the counter outlives it; a PostgreSQL
sequence is not transactional, so no open transaction can hand a number out twice.

* PostgreSQL: the sequence ``leases_generation``, not owned by any column (so
  ``TRUNCATE … RESTART IDENTITY`` does not reset it either).
* SQLite: the one-row table ``leases_generation``, raised by a trigger to every
  generation written to ``leases_slot`` (writers run one at a time there), and a
  trigger refusing to delete its row.

Both start above every generation already issued (rows and high-water marks).
"""

from django.db import migrations, models

ISSUED = (
    "(SELECT MAX(g) FROM (SELECT MAX(generation) AS g FROM leases_slot "
    "UNION ALL SELECT MAX(generation) FROM leases_high_water) AS issued)"
)

POSTGRES = [
    "DROP TRIGGER IF EXISTS leases_slot_keep_high_water ON leases_slot",
    "DROP FUNCTION IF EXISTS leases_slot_keep_high_water()",
    "CREATE SEQUENCE leases_generation AS bigint MINVALUE 1",
    f"SELECT setval('leases_generation', GREATEST(COALESCE({ISSUED}, 0), 1))",
]
POSTGRES_UNDO = ["DROP SEQUENCE IF EXISTS leases_generation"]

SQLITE = [
    "DROP TRIGGER IF EXISTS leases_slot_keep_high_water",
    "CREATE TABLE leases_generation (value integer NOT NULL)",
    f"INSERT INTO leases_generation (value) VALUES (COALESCE({ISSUED}, 0))",
    """
    CREATE TRIGGER leases_generation_after_update AFTER UPDATE OF generation ON leases_slot
    BEGIN
        UPDATE leases_generation SET value = max(value, NEW.generation);
    END
    """,
    """
    CREATE TRIGGER leases_generation_after_insert AFTER INSERT ON leases_slot
    BEGIN
        UPDATE leases_generation SET value = max(value, NEW.generation);
    END
    """,
    """
    CREATE TRIGGER leases_generation_kept BEFORE DELETE ON leases_generation
    BEGIN
        SELECT RAISE(ABORT, 'leases_generation is the lease generation counter: never deleted');
    END
    """,
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS leases_generation_kept",
    "DROP TRIGGER IF EXISTS leases_generation_after_insert",
    "DROP TRIGGER IF EXISTS leases_generation_after_update",
    "DROP TABLE IF EXISTS leases_generation",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("leases", "0002_high_water_trigger")]

    operations = [
        migrations.AddField(
            model_name="slot",
            name="previous_generation",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        ),
        migrations.DeleteModel(name="HighWater"),
    ]
