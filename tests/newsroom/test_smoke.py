import pytest
from django.utils import timezone

from kiosco.newsroom.models import Article, Section


@pytest.mark.django_db
def test_it_serves_a_published_article(client):
    section = Section.objects.create(slug="world", name="World")
    Article.objects.create(
        slug="hello", headline="Hello", section=section, published_at=timezone.now()
    )
    response = client.get("/world/hello/")
    assert response.status_code == 200
    assert b"Hello" in response.content
