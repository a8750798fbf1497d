"""The edition's content: sections, authors, articles and their typed blocks."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("en", "English"), ("es", "Español")]


def page_path(name: str, *slugs: str) -> str:
    """``reverse(name, args=slugs)``, remembered: a list page links every article and
    section it shows, and each reverse walks the URL resolver (about a fifth of a search
    page's rendering). Keyed by the script prefix and URLconf too, which can differ."""
    return _page_path(name, get_script_prefix(), get_urlconf(), slugs)


@lru_cache(maxsize=8192)
def _page_path(name: str, prefix: str, urlconf: Any, slugs: tuple[str, ...]) -> str:
    return reverse(name, args=slugs, urlconf=urlconf)


@receiver(setting_changed)
def _forget_paths(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":  # tests swap it; Django forgets its own URL caches too
        _page_path.cache_clear()


class Access(models.TextChoices):
    """Who may read an article's body. The paywall asks, the newsroom only records."""

    FREE = "free", _("Free for everyone")
    REGISTERED = "registered", _("Registered readers")
    SUBSCRIBERS = "subscribers", _("Subscribers")


class BlockKind(models.TextChoices):
    PARAGRAPH = "paragraph", _("Paragraph")
    HEADING = "heading", _("Heading")
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Answer")
    QUOTE = "quote", _("Quote")
    IMAGE = "image", _("Image")


class Section(models.Model):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return page_path("newsroom:section", self.slug)


class Author(models.Model):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=160)
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        "Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return page_path("newsroom:author", self.slug)


class Image(models.Model):
    """A picture of the edition: the original file and the renditions made from it
    (``images.make_renditions``), with the words a reader and a screen reader need."""

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt = models.CharField(
        _("alternative text"),
        max_length=300,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    # {"webp": [[320, "renditions/7/320.webp"], ...], "jpeg": [...], "avif": [...]}
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    # Set by the archive importer: the source's URL or path, so a re-run finds the row.
    source = models.CharField(max_length=500, blank=True, default="", editable=False)

    def __str__(self) -> str:
        return self.alt


class PublishedArticles(models.QuerySet["Article"]):
    def published(self) -> PublishedArticles:
        return self.filter(published_at__isnull=False, published_at__lte=timezone.now())


class Article(models.Model):
    slug = models.SlugField(unique=True, max_length=200)
    headline = models.CharField(max_length=300)
    standfirst = models.TextField(blank=True)
    byline = models.CharField(max_length=300, blank=True)
    authors: models.ManyToManyField[Author, Credit] = models.ManyToManyField(
        Author, blank=True, related_name="articles", through="Credit"
    )
    # No index of its own: article_section_latest_idx starts with the section.
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="articles", db_index=False
    )
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.SUBSCRIBERS)
    # No index of its own: article_latest_idx starts with it.
    published_at = models.DateTimeField(null=True, blank=True)
    lead_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An editor pins the front page's lead story; the latest pin wins.
    pinned_at = models.DateTimeField(null=True, blank=True)
    # Set by the importer (a hash of the headline) so re-importing a text updates the
    # same article even after its slug was edited; empty for articles made by hand.
    source_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedArticles.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Lists order by (-published_at, -id): with the id in the index the newest
            # rows come straight from it, without sorting a whole section or archive.
            models.Index(fields=["-published_at", "-id"], name="article_latest_idx"),
            models.Index(
                fields=["section", "-published_at", "-id"], name="article_section_latest_idx"
            ),
            # The front page asks for the latest pin on every view: few rows carry one.
            models.Index(
                fields=["-pinned_at"],
                condition=models.Q(pinned_at__isnull=False),
                name="article_pinned_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~models.Q(source_key=""),
                name="article_source_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return page_path("newsroom:article", self.section.slug, self.slug)

    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()

    @property
    def is_interview(self) -> bool:
        return any(block.kind == BlockKind.QUESTION for block in self.blocks.all())


class Credit(models.Model):
    """An author credited on an article (the rows behind ``Article.authors``).

    The article's publication time is copied here (``credits.sync_credits``) so an
    author's page reads its newest articles straight from one index, (author,
    -published_at, -article): an index cannot span the article and this table, and
    without the copy a prolific author's page sorted every one of their articles."""

    # No index of their own: the unique pair starts with the article, and
    # credit_author_latest_idx with the author.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        # The table and unique pair Django made for the plain many-to-many before.
        db_table = "newsroom_article_authors"
        unique_together = [("article", "author")]
        indexes = [
            models.Index(
                fields=["author", "-published_at", "-article"], name="credit_author_latest_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.article_id}"


class Block(models.Model):
    """One typed piece of an article body, in order. Interview turns keep the label
    printed in the source ("Question.", "Q.", "Pregunta.", "P.")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=BlockKind.choices, default=BlockKind.PARAGRAPH)
    label = models.CharField(max_length=40, blank=True)
    text = models.TextField(blank=True)
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="block_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.position}"
