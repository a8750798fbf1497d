"""Authors' credits become a model of their own (``Credit``) on the very table the
plain many-to-many made, with a copy of the article's publication time and an index
an author's page reads in order. Indexes that a composite one already starts with are
dropped (fewer writes on import, fewer wrong choices for the planner)."""

import django.db.models.deletion
from django.db import migrations, models

COPY_PUBLISHED_AT = """
    UPDATE newsroom_article_authors SET published_at = (
        SELECT a.published_at FROM newsroom_article a WHERE a.id = article_id)"""


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0004_article_images_and_pinned_lead")]

    operations = [
        # The table exists already (Django's many-to-many table): only the state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Credit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="credits",
                                to="newsroom.article",
                            ),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="credits",
                                to="newsroom.author",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "newsroom_article_authors",
                        "unique_together": {("article", "author")},
                    },
                ),
                migrations.AlterField(
                    model_name="article",
                    name="authors",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="articles",
                        through="newsroom.Credit",
                        to="newsroom.author",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="credit",
            name="published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(COPY_PUBLISHED_AT, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="credit",
            index=models.Index(
                fields=["author", "-published_at", "-article"], name="credit_author_latest_idx"
            ),
        ),
        migrations.AlterField(
            model_name="credit",
            name="article",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="credits",
                to="newsroom.article",
            ),
        ),
        migrations.AlterField(
            model_name="credit",
            name="author",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="credits",
                to="newsroom.author",
            ),
        ),
        migrations.RemoveIndex(model_name="article", name="newsroom_ar_section_e9709f_idx"),
        migrations.AlterField(
            model_name="article",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="article",
            name="section",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="articles",
                to="newsroom.section",
            ),
        ),
    ]
