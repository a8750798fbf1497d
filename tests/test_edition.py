"""The edition as a reader meets it: the apps wired together through settings."""

import pytest
from django.utils import timezone

from kiosco.newsroom.models import Access, Article, Block, BlockKind, Section
from tests.support.personas import make_reader, personas

SECRET = "SUBSCRIBER-ONLY: the harbour budget, line by line."


@pytest.fixture
def subscriber_article(db):
    section = Section.objects.create(slug="city", name="City")
    article = Article.objects.create(
        slug="budget",
        headline="The harbour budget",
        standfirst="Where the money goes.",
        section=section,
        access=Access.SUBSCRIBERS,
        published_at=timezone.now(),
    )
    Block.objects.create(article=article, position=0, kind=BlockKind.PARAGRAPH, text="Opening.")
    Block.objects.create(article=article, position=1, kind=BlockKind.PARAGRAPH, text=SECRET)
    return article


def test_it_shows_a_subscriber_article_to_alice_who_subscribes(client, subscriber_article):
    client.force_login(personas().alice)
    response = client.get(subscriber_article.get_absolute_url())
    assert response.status_code == 200
    assert SECRET in response.content.decode()


def test_it_shows_the_extra_user_and_the_business_member_the_article(client, subscriber_article):
    people = personas()
    for reader in (people.carol, people.dave):
        client.force_login(reader)
        assert SECRET in client.get(subscriber_article.get_absolute_url()).content.decode()


def test_it_never_sends_the_body_to_a_reader_without_a_subscription(client, subscriber_article):
    personas()
    client.force_login(make_reader("erin@example.com", None))
    body = client.get(subscriber_article.get_absolute_url()).content.decode()
    assert "Opening." in body
    assert SECRET not in body


def test_it_sends_readers_to_their_devices_page_instead_of_a_bare_session_list(client, db):
    client.force_login(make_reader("frank@example.com", None))
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302
    assert response["Location"] == "/account/devices/"
