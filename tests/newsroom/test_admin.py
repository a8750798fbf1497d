"""The newsroom's admin: an editor writes an article with its authors (inline credits,
which take the article's publication time) and its blocks, and search finds it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from kiosco.newsroom import search
from kiosco.newsroom.models import Article, Author, Credit, Section
from kiosco.readers.models import Reader
from tests.newsroom.page_data import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor() -> Reader:
    editor = Reader.objects.create_user("editor@example.com", "a-long-password", is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="newsroom"))
    return editor


def formset(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        data.update({f"{prefix}-{number}-{name}": value for name, value in row.items()})
    return data


def test_it_lets_an_editor_credit_authors_inline(client, editor):
    city = Section.objects.create(slug="city", name="City")
    marta = Author.objects.create(slug="marta", name="Marta Quiroga")
    client.force_login(editor)
    now = timezone.localtime()
    response = client.post(
        "/admin/newsroom/article/add/",
        {
            "slug": "walrus",
            "headline": "A walrus on the pier",
            "standfirst": "It stayed all morning.",
            "section": str(city.pk),
            "language": "en",
            "access": "free",
            "published_at_0": now.strftime("%Y-%m-%d"),
            "published_at_1": now.strftime("%H:%M:%S"),
            **formset("credits", [{"author": str(marta.pk)}]),
            **formset("blocks", [{"position": "0", "kind": "paragraph", "text": "Tusks."}]),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="walrus")
    credit = Credit.objects.get(article=article)
    assert (credit.author, credit.published_at) == (marta, article.published_at)
    assert search.ranked_ids(["tusks"]).ids == [article.pk]
    page = parse_html(client.get("/authors/marta/").content)
    assert [h.text() for h in page.find_all("h3")] == ["A walrus on the pier"]
