"""Keeps each ``Credit``'s copy of its article's publication time true.

An author's page reads its newest articles from the credits' own index (see
``models.Credit``), so the copy must follow the article: after an article is saved (its
time may have changed), after a credit is saved (the admin's inline), and after
``article.authors.add()``/``.set()`` (they write rows without it). Bulk writers that
send no signals (the archive import) call :func:`sync_credits` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery

from kiosco.newsroom.models import Article, Credit


def sync_credits(article_ids: Iterable[int]) -> None:
    """Copy each article's publication time onto its credits, in one statement."""
    ids = list(article_ids)
    if not ids:
        return
    published = Article.objects.filter(pk=OuterRef("article_id")).values("published_at")
    Credit.objects.filter(article_id__in=ids).update(published_at=Subquery(published[:1]))


def _on_article_saved(instance: Article, update_fields: Any = None, **_: Any) -> None:
    if update_fields is not None and "published_at" not in update_fields:
        return  # the time did not change: nothing to copy
    Credit.objects.filter(article_id=instance.pk).exclude(
        published_at=instance.published_at
    ).update(published_at=instance.published_at)


def _on_credit_saved(instance: Credit, **_: Any) -> None:
    sync_credits([instance.article_id])


def _on_credits_added(action: str, instance: Any, reverse: bool, pk_set: Any, **_: Any) -> None:
    if action != "post_add" or not pk_set:
        return
    # From the article's side pk_set holds authors; from an author's, articles.
    sync_credits(pk_set if reverse else [instance.pk])


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_save

    post_save.connect(_on_article_saved, sender=Article, dispatch_uid="credits-article-saved")
    post_save.connect(_on_credit_saved, sender=Credit, dispatch_uid="credits-credit-saved")
    m2m_changed.connect(_on_credits_added, sender=Credit, dispatch_uid="credits-added")
