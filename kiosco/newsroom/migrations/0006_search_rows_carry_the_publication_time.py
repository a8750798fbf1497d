"""PostgreSQL's search rows carry a copy of the article's publication time, so a search
filters and takes its newest matches from one table (see ``search.py``). SQLite's FTS5
table is unchanged: SQLite joins the articles row by row, which costs the same."""

from django.db import migrations

ADD = [
    "ALTER TABLE newsroom_article_search "
    "ADD COLUMN IF NOT EXISTS published_at timestamp with time zone",
    "UPDATE newsroom_article_search s SET published_at = a.published_at "
    "FROM newsroom_article a WHERE a.id = s.article_id",
]


def add_published_at(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in ADD:
            schema_editor.execute(statement)


def drop_published_at(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE newsroom_article_search DROP COLUMN published_at")


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0005_credits_and_leaner_article_indexes")]
    operations = [migrations.RunPython(add_published_at, drop_published_at)]
