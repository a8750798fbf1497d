"""The full-text search index (PostgreSQL tsvector + GIN, or SQLite FTS5), filled
with the articles that exist. Not a Django model: neither table is one."""

from django.db import migrations


def create_and_fill(apps, schema_editor):
    from kiosco.newsroom import search

    search.create_index_tables()
    Article = apps.get_model("newsroom", "Article")
    search.reindex_articles(list(Article.objects.values_list("pk", flat=True)))


def drop(apps, schema_editor):
    table = (
        "newsroom_article_search"
        if schema_editor.connection.vendor == "postgresql"
        else "newsroom_article_fts"
    )
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0002_article_source_key")]
    operations = [migrations.RunPython(create_and_fill, drop)]
