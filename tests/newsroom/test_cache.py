"""The article page is served from the cache, and the cache never shows a reader
something stale or something they may not read."""

import pytest

from kiosco.newsroom.models import Access, Article, Block, Section
from kiosco.newsroom.services import import_article
from tests.support.content import SECRET, subscriber_only_article
from tests.support.personas import personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> Article:
    return subscriber_only_article()


def test_a_subscribers_cached_page_never_reaches_an_anonymous_reader(client, article):
    client.force_login(personas().alice)
    assert SECRET in client.get(article.get_absolute_url()).content.decode()
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Opening." in page
    assert SECRET not in page


def test_a_teaser_cached_first_does_not_hide_the_body_from_a_subscriber(client, article):
    assert SECRET not in client.get(article.get_absolute_url()).content.decode()
    client.force_login(personas().alice)
    assert SECRET in client.get(article.get_absolute_url()).content.decode()


def test_an_edit_shows_on_the_next_request(client, article):
    client.force_login(personas().alice)
    client.get(article.get_absolute_url())
    article.headline = "The harbour accounts, corrected"
    article.save(update_fields=["headline", "updated_at"])
    Block.objects.filter(position=1).delete()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "The harbour accounts, corrected" in page
    assert SECRET not in page


def test_a_re_import_with_a_new_body_shows_on_the_next_request(client, db):
    Section.objects.create(slug="city", name="City")
    first = "Night ferries\n\nThey return in May.\n\nThe first paragraph.\n"
    result = import_article(first, section="city", access=Access.FREE, publish=True)
    url = result.article.get_absolute_url()
    assert "The first paragraph." in client.get(url).content.decode()
    import_article(first + "\nA second paragraph, added later.\n", section="city", publish=True)
    assert "A second paragraph, added later." in client.get(url).content.decode()


def test_an_unpublished_article_stays_hidden_even_once_cached(client, article):
    Article.objects.filter(pk=article.pk).update(published_at=None)
    article.refresh_from_db()
    article.save(update_fields=["updated_at"])  # through the model: the version moves
    assert client.get(article.get_absolute_url()).status_code == 404
