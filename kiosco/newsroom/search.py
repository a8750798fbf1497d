"""Full-text search over published articles with the database's own engine.

- PostgreSQL: ``newsroom_article_search`` holds one ``tsvector`` per article, built
  with the article's own language configuration (``english``/``spanish``): headline
  weighted A, standfirst B, body C; a GIN index; a query is parsed with both
  configurations (``websearch_to_tsquery``) and OR-ed, so a reader's words match
  whichever language the article is in; ranked by ``ts_rank``.
- SQLite (the embedded shape): an FTS5 table ``newsroom_article_fts`` (porter stemmer
  over unicode61, accents folded), ranked by ``bm25`` with the same column weights.

The index is written in the same transaction as the article (``reindex_article``: on
an article's save signal, and after its blocks are written by ``services.replace_blocks``
or the admin), so it never lags what a page
shows. No foreign key: a test database flush truncates the articles without knowing
this table; a stale row is replaced when its id is saved again, and the join with the
articles ignores the rest. Results are article ids; what a result shows is the
caller's business (headline and standfirst only, see ``services.search_articles``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

POSTGRES_CONFIGS = {"en": "english", "es": "spanish"}
# Headline, standfirst, body: a word in the headline counts most.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)

PG_CREATE = [
    """CREATE TABLE IF NOT EXISTS newsroom_article_search (
        article_id bigint PRIMARY KEY,
        document tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS newsroom_article_search_gin "
    "ON newsroom_article_search USING gin (document)",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS newsroom_article_fts USING fts5("
    "headline, standfirst, body, tokenize='porter unicode61 remove_diacritics 2')",
]


def create_index_tables() -> None:
    with connection.cursor() as cursor:
        for statement in PG_CREATE if connection.vendor == "postgresql" else SQLITE_CREATE:
            cursor.execute(statement)


def index_article(
    article_id: int, language: str, headline: str, standfirst: str, body: str
) -> None:
    """Make the article's index entry exactly these texts (insert or replace)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            config = POSTGRES_CONFIGS.get(language, "simple")
            cursor.execute(
                "INSERT INTO newsroom_article_search (article_id, document) VALUES (%s, "
                "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
                "setweight(to_tsvector(%s::regconfig, %s), 'B') || "
                "setweight(to_tsvector(%s::regconfig, %s), 'C')) "
                "ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document",
                [article_id, config, headline, config, standfirst, config, body],
            )
        else:
            cursor.execute("DELETE FROM newsroom_article_fts WHERE rowid = %s", [article_id])
            cursor.execute(
                "INSERT INTO newsroom_article_fts (rowid, headline, standfirst, body) "
                "VALUES (%s, %s, %s, %s)",
                [article_id, headline, standfirst, body],
            )


def unindex_article(article_id: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DELETE FROM newsroom_article_search WHERE article_id = %s", [article_id]
            )
        else:
            cursor.execute("DELETE FROM newsroom_article_fts WHERE rowid = %s", [article_id])


def reindex_article(article_id: int) -> None:
    """Index the article as stored now (or drop its entry when it is gone)."""
    from kiosco.newsroom.models import Article, Block

    row = Article.objects.filter(pk=article_id).values("language", "headline", "standfirst")
    found = row.first()
    if found is None:
        unindex_article(article_id)
        return
    texts = Block.objects.filter(article_id=article_id).values_list("text", flat=True)
    index_article(
        article_id, found["language"], found["headline"], found["standfirst"], "\n".join(texts)
    )


def _on_article_saved(instance: object, **_: object) -> None:
    reindex_article(instance.pk)  # type: ignore[attr-defined]


def _on_article_deleted(instance: object, **_: object) -> None:
    unindex_article(instance.pk)  # type: ignore[attr-defined]


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from kiosco.newsroom.models import Article

    # Blocks are reindexed by whoever writes them in bulk (services.replace_blocks, the
    # admin's save_related): a signal per block would reindex an article once per block.
    post_save.connect(_on_article_saved, sender=Article, dispatch_uid="search-article-saved")
    post_delete.connect(_on_article_deleted, sender=Article, dispatch_uid="search-article-gone")


def query_words(text: str) -> list[str]:
    """The words of a reader's query; operators and punctuation are not syntax here."""
    return _WORD.findall(text.casefold())[:MAX_QUERY_WORDS]


def count_matches(words: Sequence[str]) -> int:
    """How many published articles match every word."""
    if not words:
        return 0
    sql, params = _matching(words)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {sql}", params)
        return int(cursor.fetchone()[0])


def search_ids(words: Sequence[str], *, limit: int, offset: int) -> list[int]:
    """Ids of published articles matching every word, best first."""
    if not words or limit <= 0:
        return []
    sql, params = _matching(words)
    if connection.vendor == "postgresql":
        rank = f"ts_rank(s.document, {PG_QUERY}) DESC"
        rank_params = [" ".join(words)] * 2
    else:
        rank = "bm25(newsroom_article_fts, {}, {}, {})".format(*BM25_WEIGHTS)
        rank_params = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.id {sql} ORDER BY {rank}, a.published_at DESC, a.id DESC LIMIT %s OFFSET %s",
            [*params, *rank_params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]


# Both languages' parsers on the same words, OR-ed: "mercados" finds a Spanish article
# through the Spanish stemmer, "markets" an English one through the English stemmer.
PG_QUERY = "(websearch_to_tsquery('english', %s) || websearch_to_tsquery('spanish', %s))"


def _matching(words: Sequence[str]) -> tuple[str, list[Any]]:
    """The FROM/WHERE of a search, and its parameters: published articles only."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        text = " ".join(words)
        return (
            "FROM newsroom_article_search s JOIN newsroom_article a ON a.id = s.article_id "
            f"WHERE s.document @@ {PG_QUERY} "
            "AND a.published_at IS NOT NULL AND a.published_at <= %s",
            [text, text, now],
        )
    # Each word quoted: the reader's text is never FTS5 query syntax (AND, NEAR, *, ^).
    match = " ".join('"{}"'.format(word.replace('"', "")) for word in words)
    return (
        "FROM newsroom_article_fts JOIN newsroom_article a ON a.id = newsroom_article_fts.rowid "
        "WHERE newsroom_article_fts MATCH %s "
        "AND a.published_at IS NOT NULL AND a.published_at <= %s",
        [match, now],
    )
