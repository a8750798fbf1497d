"""A subscriber-only article whose second paragraph must never reach a reader who may
not read it: the shared subject of the access tests."""

from django.utils import timezone

from kiosco.newsroom.models import Access, Article, Block, BlockKind, Section

SECRET = "SUBSCRIBER-ONLY: the harbour budget, line by line."
OPENING = "Opening."


def subscriber_only_article() -> Article:
    section = Section.objects.create(slug="city", name="City")
    article = Article.objects.create(
        slug="budget",
        headline="The harbour budget",
        standfirst="Where the money goes.",
        section=section,
        access=Access.SUBSCRIBERS,
        published_at=timezone.now(),
    )
    Block.objects.create(article=article, position=0, kind=BlockKind.PARAGRAPH, text=OPENING)
    Block.objects.create(article=article, position=1, kind=BlockKind.PARAGRAPH, text=SECRET)
    return article
