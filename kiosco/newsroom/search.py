"""Full-text search over published articles with the database's own engine.

- PostgreSQL: ``newsroom_article_search`` holds one ``tsvector`` per article, built
  with the article's own language configuration (``english``/``spanish``): headline
  weighted A, standfirst B, body C; a GIN index; a query is parsed with both
  configurations (``websearch_to_tsquery``) and OR-ed, so a reader's words match
  whichever language the article is in; ranked by ``ts_rank``. The row keeps a copy of
  the article's ``published_at``, so a search never joins the articles to filter.
- SQLite (the embedded shape): an FTS5 table ``newsroom_article_fts`` (porter stemmer
  over unicode61, accents folded). Not ranked by FTS5's ``bm25``: it needs each word's
  document frequency, which FTS5 counts by reading every posting of the word on every
  query (a broad word at 100,000 articles: most of the cost of the page). A candidate
  is ranked instead by where the reader's words are: 10 for each word in its headline,
  4 in its standfirst (the body only makes it a match), then the newest first — each
  check an FTS5 query bounded to the candidates' own id range.

**What is ranked.** A broad query (a word most articles carry) must not rank the whole
archive on every request: that cost grew with the archive (a fifth of a second per
request at 100,000 articles). So only the ``CANDIDATES`` matches most recently added
to the edition (the highest article ids) are ranked: both engines hand matches out in
id order, newest first, and stop there. A query with fewer matches is ranked in full,
so a selective query loses nothing. The trade-off: for a broad query an older article
that would rank higher is not found until the reader adds a word; the page then says
"more than N found" rather than a count it did not make.

The index is written in the same transaction as the article (``reindex_article``: on
an article's save signal, and after its blocks are written by ``services.replace_blocks``
or the admin; bulk writers call ``reindex_articles``), so it never lags what a page
shows. No foreign key: a test database flush truncates the articles without knowing
this table; a stale row is replaced when its id is saved again, and the pages load the
published articles of the ids found (a stale id shows nothing). Results are article
ids; what a result shows is the caller's business (headline and standfirst only, see
``reading.search_articles``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

# SQLite: what a query word found in a candidate's headline, or standfirst, adds.
COLUMN_WEIGHTS = (("headline", 10), ("standfirst", 4))
MAX_QUERY_WORDS = 12
# How many of the newest matches are ranked: 25 pages of results, more than readers
# page through; a broad search's cost is proportional to it (measured on SQLite with
# 100,000 articles: about 1.2 ms for 500, 2 ms for 1,000).
CANDIDATES = 500
_WORD = re.compile(r"\w+", re.UNICODE)

PG_CREATE = [
    """CREATE TABLE IF NOT EXISTS newsroom_article_search (
        article_id bigint PRIMARY KEY,
        document tsvector NOT NULL,
        published_at timestamp with time zone)""",
    "CREATE INDEX IF NOT EXISTS newsroom_article_search_gin "
    "ON newsroom_article_search USING gin (document)",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS newsroom_article_fts USING fts5("
    "headline, standfirst, body, tokenize='porter unicode61 remove_diacritics 2')",
]

# The texts are read and indexed inside the database: indexing a thousand articles is
# two statements, not a thousand round trips.
PG_REINDEX = """
    INSERT INTO newsroom_article_search (article_id, document, published_at)
    SELECT a.id,
           setweight(to_tsvector(c.config, a.headline), 'A') ||
           setweight(to_tsvector(c.config, a.standfirst), 'B') ||
           setweight(to_tsvector(c.config, coalesce(
               (SELECT string_agg(b.text, E'\\n' ORDER BY b.position)
                FROM newsroom_block b WHERE b.article_id = a.id), '')), 'C'),
           a.published_at
    FROM newsroom_article a
    CROSS JOIN LATERAL (SELECT (CASE a.language WHEN 'en' THEN 'english'
                                WHEN 'es' THEN 'spanish' ELSE 'simple' END)::regconfig
                        AS config) c
    WHERE a.id = ANY(%s)"""
SQLITE_REINDEX = """
    INSERT INTO newsroom_article_fts (rowid, headline, standfirst, body)
    SELECT a.id, a.headline, a.standfirst, coalesce(
        (SELECT group_concat(text, char(10)) FROM
            (SELECT b.text FROM newsroom_block b WHERE b.article_id = a.id ORDER BY b.position)),
        '')
    FROM newsroom_article a WHERE a.id IN ({})"""
REINDEX_CHUNK = 500

# Both languages' parsers on the same words, OR-ed: "mercados" finds a Spanish article
# through the Spanish stemmer, "markets" an English one through the English stemmer.
PG_QUERY = "(websearch_to_tsquery('english', %s) || websearch_to_tsquery('spanish', %s))"
# The newest CANDIDATES matches (the planner walks the primary key backwards for a
# broad query, or reads a selective one from the GIN index), then those ranked.
PG_RANKED = f"""
    SELECT article_id FROM (
        SELECT article_id, document, published_at FROM newsroom_article_search
        WHERE document @@ {PG_QUERY} AND published_at <= %s
        ORDER BY article_id DESC LIMIT %s) AS newest
    ORDER BY ts_rank(document, {PG_QUERY}) DESC, published_at DESC, article_id DESC"""
# FTS5 walks its matches by rowid (= article id) backwards and stops at the limit.
SQLITE_NEWEST = """
    WITH newest AS MATERIALIZED (
        SELECT fts.rowid AS id, a.published_at AS published_at
        FROM newsroom_article_fts AS fts JOIN newsroom_article AS a ON a.id = fts.rowid
        WHERE newsroom_article_fts MATCH %s
          AND a.published_at IS NOT NULL AND a.published_at <= %s
        ORDER BY fts.rowid DESC LIMIT %s)
    SELECT id FROM newest ORDER BY {score} DESC, published_at DESC, id DESC"""
# Whether a candidate has a word in one column: the column's matches of the whole query,
# read from the oldest candidate's id up (FTS5 seeks there), so as many as the candidates.
SQLITE_IN_COLUMN = (
    "%s * (id IN (SELECT rowid FROM newsroom_article_fts WHERE newsroom_article_fts "
    "MATCH %s AND rowid >= (SELECT min(id) FROM newest)))"
)


def create_index_tables() -> None:
    with connection.cursor() as cursor:
        for statement in PG_CREATE if connection.vendor == "postgresql" else SQLITE_CREATE:
            cursor.execute(statement)


def reindex_articles(article_ids: Sequence[int]) -> None:
    """Index these articles as stored now, a few statements per 500 (the archive import
    calls it once per batch). Ids of deleted articles lose their entry."""
    ids = list(article_ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), REINDEX_CHUNK):
            chunk = ids[start : start + REINDEX_CHUNK]
            if connection.vendor == "postgresql":
                cursor.execute(
                    "DELETE FROM newsroom_article_search WHERE article_id = ANY(%s)", [chunk]
                )
                cursor.execute(PG_REINDEX, [chunk])
                continue
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM newsroom_article_fts WHERE rowid IN ({marks})", chunk)
            cursor.execute(SQLITE_REINDEX.format(marks), chunk)


def reindex_article(article_id: int) -> None:
    """Index the article as stored now (or drop its entry when it is gone)."""
    reindex_articles([article_id])


def unindex_article(article_id: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DELETE FROM newsroom_article_search WHERE article_id = %s", [article_id]
            )
        else:
            cursor.execute("DELETE FROM newsroom_article_fts WHERE rowid = %s", [article_id])


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


@dataclass(frozen=True)
class Ranked:
    """Matching published articles' ids, best first; ``more`` when more matched than
    the ``CANDIDATES`` ranked."""

    ids: list[int]
    more: bool = False


def ranked_ids(words: Sequence[str]) -> Ranked:
    """Published articles matching every word, best first, in one query."""
    if not words:
        return Ranked([])
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = " ".join(words)
            cursor.execute(PG_RANKED, [text, text, now, CANDIDATES + 1, text, text])
        else:
            cursor.execute(*_sqlite_ranked(words, now))
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= CANDIDATES:
        return Ranked(ids)
    ids.remove(min(ids))  # the one past the candidates, fetched to know there are more
    return Ranked(ids, more=True)


def _sqlite_ranked(words: Sequence[str], now: str | None) -> tuple[str, list[str | int | None]]:
    # Each word quoted: the reader's text is never FTS5 syntax (AND, NEAR, *, ^).
    phrases = ['"{}"'.format(word.replace('"', "")) for word in words]
    whole = " AND ".join(phrases)
    scores: list[str] = []
    params: list[str | int | None] = []
    for phrase in phrases:
        for column, weight in COLUMN_WEIGHTS:
            scores.append(SQLITE_IN_COLUMN)
            params += [weight, f"({{{column}}} : {phrase}) AND ({whole})"]
    sql = SQLITE_NEWEST.format(score=" + ".join(scores))
    return sql, [whole, now, CANDIDATES + 1, *params]
