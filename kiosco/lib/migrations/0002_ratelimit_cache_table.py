"""The table of the database cache that holds rate-limit counters when there is no
Redis (settings.CACHES["ratelimit"]), so every worker process counts together."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", "ratelimit", database=schema_editor.connection.alias)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS kiosco_ratelimit_cache")


class Migration(migrations.Migration):
    dependencies = [("kiosco_lib", "0001_confirmation")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
