"""`kiosco import-archive`: a Ghost JSON export and a WordPress WXR file become
articles, sections, authors and images; a re-run changes nothing; what is skipped is
reported with its reason; hostile or malformed files are refused and nothing is
written."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kiosco.newsroom.models import Access, Article, Author, Block, Image, Section
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
