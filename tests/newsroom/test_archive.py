"""`kiosco import-archive`: a Ghost JSON export and a WordPress WXR file become
articles, sections, authors and images; a re-run changes nothing; what is skipped is
reported with its reason; hostile or malformed files are refused and nothing is
written."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from kiosco.newsroom import archive_import, search
from kiosco.newsroom.models import Access, Article, Author, Block, Image, Section
from kiosco.newsroom.tasks import make_renditions
from tests.newsroom.archive_data import IMAGE_COUNT, ghost_export, wxr_export

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-root"


def run(*args: str) -> dict:
    out = StringIO()
    call_command("import_archive", *args, "--json", "--no-progress", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_it_imports_a_ghost_export_with_sections_authors_access_and_images(tmp_path):
    media = tmp_path / "ghost-media"
    export = tmp_path / "ghost.json"
    export.write_bytes(ghost_export(12, media, drafts=2))
    report = run(str(export), "--media", str(media))
    assert (report["kind"], report["created"], report["images"]) == ("ghost", 12, IMAGE_COUNT)
    assert [s["reason"] for s in report["skipped"]] == [
        "status 'draft' (only published posts are imported)"
    ] * 2
    assert Article.objects.count() == 12
    assert set(Section.objects.values_list("name", flat=True)) == {"City", "Culture", "Science"}
    assert set(Author.objects.values_list("name", flat=True)) == {"Ana Ruiz", "Tom Hale"}
    first = Article.objects.get(slug="ghost-post-0")
    assert first.lead_image is not None
    assert (first.access, first.lead_image.alt) == (Access.FREE, "Picture for post 0")
    assert Article.objects.get(slug="ghost-post-2").access == Access.SUBSCRIBERS
    kinds = list(first.blocks.values_list("kind", flat=True))
    assert kinds == ["paragraph", "heading", "paragraph", "quote", "image"]
    assert Image.objects.count() == IMAGE_COUNT  # shared pictures are made once


def test_it_changes_nothing_when_run_again(tmp_path):
    media = tmp_path / "wp-media"
    export = tmp_path / "wp.xml"
    export.write_bytes(wxr_export(10, media, pages=1))
    first = run(str(export), "--media", str(media), "--access", "free")
    blocks = list(Block.objects.order_by("pk").values_list("pk", flat=True))
    again = run(str(export), "--media", str(media), "--access", "free")
    assert (first["created"], first["images"]) == (10, IMAGE_COUNT)
    assert first["skipped"][0]["reason"] == "a WordPress page, not a post"
    assert (again["created"], again["updated"], again["unchanged"], again["images"]) == (
        0,
        0,
        10,
        0,
    )
    assert list(Block.objects.order_by("pk").values_list("pk", flat=True)) == blocks
    article = Article.objects.get(slug="wp-post-3")
    assert (article.headline, article.byline) == ("WordPress post 3 & more", "Ana Ruiz")


def test_it_reports_images_missing_from_the_media_folder(tmp_path):
    export = tmp_path / "ghost.json"
    export.write_bytes(ghost_export(2, tmp_path / "elsewhere"))
    report = run(str(export), "--media", str(tmp_path / "empty"))
    assert report["created"] == 2 and report["images"] == 0
    assert all("not found in --media" in s["reason"] for s in report["skipped"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;">]><rss><channel>&lol2;</channel></rss>',
            "declares entities or a DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<rss><channel>&x;</channel></rss>",
            "declares entities or a DTD",
        ),
        (b"<rss><channel><item><title>half", "malformed"),
        (b'{"db": [{"data": {"nothing": []}}]}', "not a Ghost export"),
        (b"{not json", "not a Ghost export"),
        (b"plain text", "neither a Ghost JSON export nor a WordPress WXR"),
    ],
)
def test_it_refuses_hostile_or_malformed_files_and_writes_nothing(tmp_path, content, message):
    export = tmp_path / "bad"
    export.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(export))
    assert Article.objects.count() == 0 and Section.objects.count() == 0


def test_it_writes_nothing_when_a_good_file_ends_broken(tmp_path):
    good = wxr_export(5, tmp_path / "m").decode()
    (tmp_path / "cut.xml").write_text(good[: len(good) - 40])
    with pytest.raises(CommandError, match="malformed"):
        run(str(tmp_path / "cut.xml"))
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda db: db["posts"].append(1),  # a post that is not an object
        lambda db: db["tags"].append({"name": "No id"}),
        lambda db: db["posts"][0].update(title=["a", "list"]),
        lambda db: db["posts"][1].update(html={"not": "html"}),
    ],
)
def test_it_refuses_a_ghost_export_with_malformed_posts_and_writes_nothing(tmp_path, change):
    document = json.loads(ghost_export(3, tmp_path / "media"))
    change(document["db"][0]["data"])
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(CommandError, match="not a Ghost export"):
        run(str(tmp_path / "bad.json"), "--media", str(tmp_path / "media"))
    assert Article.objects.count() == 0 and Image.objects.count() == 0


def test_it_updates_a_post_edited_at_its_source(tmp_path):
    media, export = tmp_path / "media", tmp_path / "ghost.json"
    export.write_bytes(ghost_export(3, media))
    run(str(export), "--media", str(media))
    document = json.loads(export.read_bytes())
    document["db"][0]["data"]["posts"][1].update(
        title="Ghost post 1, corrected", html="<p>A walrus on the pier.</p>"
    )
    export.write_text(json.dumps(document))
    again = run(str(export), "--media", str(media))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    article = Article.objects.get(slug="ghost-post-1")
    assert article.headline == "Ghost post 1, corrected"
    assert list(article.blocks.values_list("text", flat=True)) == ["A walrus on the pier."]
    assert search.ranked_ids(["walrus"]).ids == [article.pk]


def test_it_gives_every_article_its_own_slug(tmp_path, settings):
    Article.objects.create(
        slug="same", headline="Made by hand", section=Section.objects.create(slug="x", name="X")
    )
    document = json.loads(ghost_export(3, tmp_path / "media"))
    for post in document["db"][0]["data"]["posts"]:
        post["slug"] = "same"
    (tmp_path / "g.json").write_text(json.dumps(document))
    run(str(tmp_path / "g.json"), "--media", str(tmp_path / "media"))
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "same",
        "same-2",
        "same-3",
        "same-4",
    ]


def test_it_removes_the_image_files_it_wrote_when_the_import_fails(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(archive_import, "BATCH", 2)
    calls = []

    def fail_on_the_second_batch(ids: object) -> None:
        calls.append(ids)
        if len(calls) == 2:
            raise RuntimeError("the database went away")

    monkeypatch.setattr(archive_import.search, "reindex_articles", fail_on_the_second_batch)
    export = tmp_path / "ghost.json"
    export.write_bytes(ghost_export(4, tmp_path / "media"))
    with pytest.raises(RuntimeError):
        run(str(export), "--media", str(tmp_path / "media"))
    assert Article.objects.count() == 0 and Image.objects.count() == 0
    written = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert written == []


def test_it_imports_in_queries_that_do_not_grow_with_the_posts(tmp_path):
    counted = []
    for count in (10, 30):
        Article.objects.all().delete()
        export = tmp_path / f"wp-{count}.xml"
        export.write_bytes(wxr_export(count, tmp_path / f"media-{count}"))
        for _ in range(2):  # the first import, then a re-run that changes nothing
            with CaptureQueriesContext(connection) as queries:
                run(str(export), "--media", str(tmp_path / f"media-{count}"))
            counted.append(len(queries))
    first_small, again_small, first_large, again_large = counted
    assert first_large <= first_small + 2 * IMAGE_COUNT  # the second file's images are new
    assert again_large == again_small


def test_it_leaves_renditions_to_the_worker_and_pages_show_the_original_meanwhile(tmp_path, client):
    export = tmp_path / "ghost.json"
    export.write_bytes(ghost_export(3, tmp_path / "media"))
    run(str(export), "--media", str(tmp_path / "media"))
    article = Article.objects.get(slug="ghost-post-0")
    assert article.lead_image is not None and article.lead_image.renditions == {}
    assert article.lead_image.file.url in client.get(article.get_absolute_url()).content.decode()
    queued = DBTaskResult.objects.get()  # a few images: one task
    assert queued.task_path == "kiosco.newsroom.tasks.make_renditions"
    # What the worker does with it (the worker itself runs outside a test's transaction).
    assert make_renditions.call(*queued.args_kwargs["args"]) == Image.objects.count() == 4
    article.lead_image.refresh_from_db()
    assert [width for width, _ in article.lead_image.renditions["jpeg"]] == [320, 400]
