"""The table of version tokens when there is no Redis (settings.CACHES["versions"],
kiosco/lib/hot.py): every process that changes content or reads it shares them. Made
whatever the settings say today, so an edition that later drops Redis has it."""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

TABLE = "kiosco_versions_cache"


def create_table(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("kiosco_lib", "0002_ratelimit_cache_table")]

    operations = [migrations.RunPython(create_table, drop_table)]
