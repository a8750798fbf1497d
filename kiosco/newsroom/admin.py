from typing import Any

from django.contrib import admin

from kiosco.newsroom import images, search
from kiosco.newsroom.models import Article, Author, Block, Credit, Image, Section


class CreditInline(admin.TabularInline):
    """The article's authors (a many-to-many with its own rows, see ``Credit``)."""

    model = Credit
    extra = 1
    fields = ["author"]
    autocomplete_fields = ["author"]
    verbose_name = "author"


class BlockInline(admin.TabularInline):
    model = Block
    extra = 1
    fields = ["position", "kind", "label", "text"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "language", "access", "published_at"]
    list_filter = ["section", "language", "access"]
    search_fields = ["headline", "standfirst", "slug"]
    prepopulated_fields = {"slug": ["headline"]}
    date_hierarchy = "published_at"
    inlines = [CreditInline, BlockInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The blocks are saved after the article: index the body they make now.
        search.reindex_article(form.instance.pk)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]  # the article form's author field searches them
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["alt", "credit", "width", "height"]
    search_fields = ["alt", "caption", "credit"]

    def save_model(self, request: Any, obj: Image, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "file" in form.changed_data or not obj.renditions:
            images.make_renditions(obj)
