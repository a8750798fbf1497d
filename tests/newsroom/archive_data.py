"""Generated archives: a Ghost JSON export and a WordPress WXR file of N posts, with
images in a media folder, drafts and pages to skip. Used by the tests and the bench."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image as Pillow

IMAGE_COUNT = 5  # distinct pictures, shared by the posts (as an archive reuses them)
TAGS = ["City", "Culture", "Science"]


def write_images(media: Path, prefix: str, count: int = IMAGE_COUNT) -> list[str]:
    paths = []
    for number in range(count):
        path = media / "2024" / "05" / f"{prefix}-{number}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        Pillow.new("RGB", (400, 260), (number % 256, 90, number // 256 % 256)).save(
            buffer, format="JPEG"
        )
        path.write_bytes(buffer.getvalue())
        paths.append(f"2024/05/{prefix}-{number}.jpg")
    return paths


def body_html(number: int) -> str:
    return (
        f"<p>Paragraph one of post {number}, about the harbour and the river.</p>"
        f"<h2>What changed</h2><p>Paragraph two of post {number}: the market moved.</p>"
        f"<blockquote>The sea does not negotiate.</blockquote>"
    )


def inline_figure(image: str, number: int) -> str:
    src = f"__GHOST_URL__/content/images/{image}"
    return f'<figure><img src="{src}" alt="Inline {number}"></figure>'


def ghost_export(count: int, media: Path, *, drafts: int = 0, pictures: int = IMAGE_COUNT) -> bytes:
    """``pictures`` distinct images, shared round-robin by the posts' leads and bodies."""
    images = write_images(media, "ghost", pictures)
    posts, posts_tags, posts_authors = [], [], []
    for number in range(count + drafts):
        pid = f"p{number}"
        posts.append({
            "id": pid, "title": f"Ghost post {number}", "slug": f"ghost-post-{number}",
            "html": body_html(number) + inline_figure(images[number % pictures], number),
            "custom_excerpt": f"Standfirst of ghost post {number}.",
            "feature_image": f"__GHOST_URL__/content/images/{images[(number + 1) % pictures]}",
            "feature_image_alt": f"Picture for post {number}",
            "status": "published" if number < count else "draft", "type": "post",
            "visibility": ["public", "members", "paid"][number % 3],
            "published_at": f"2024-05-{1 + number % 28:02d}T08:{number % 60:02d}:00.000Z",
        })  # fmt: skip
        posts_tags.append({"post_id": pid, "tag_id": f"t{number % len(TAGS)}", "sort_order": 0})
        posts_authors.append({"post_id": pid, "author_id": f"u{number % 2}", "sort_order": 0})
    data = {
        "posts": posts,
        "tags": [{"id": f"t{i}", "name": name} for i, name in enumerate(TAGS)],
        "users": [{"id": "u0", "name": "Ana Ruiz"}, {"id": "u1", "name": "Tom Hale"}],
        "posts_tags": posts_tags,
        "posts_authors": posts_authors,
    }
    return json.dumps({"db": [{"meta": {"version": "5.0.0"}, "data": data}]}).encode()


def wxr_export(count: int, media: Path, *, pages: int = 0, pictures: int = IMAGE_COUNT) -> bytes:
    """``pictures`` distinct images (attachments), one the lead of each post in turn."""
    images = write_images(media, "wp", pictures)
    items = []
    for number in range(pictures):
        url = f"https://old.example.org/wp-content/uploads/{images[number]}"
        items.append(
            f"<item><title>image {number}</title><wp:post_id>{90000 + number}</wp:post_id>"
            f"<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
            f"<wp:attachment_url>{url}</wp:attachment_url></item>"
        )
    for number in range(count + pages):
        kind = "post" if number < count else "page"
        items.append(
            f"<item><title>{escape(f'WordPress post {number} & more')}</title>"
            f"<dc:creator>ana</dc:creator><wp:post_id>{number + 1}</wp:post_id>"
            f"<wp:post_name>wp-post-{number}</wp:post_name><wp:post_type>{kind}</wp:post_type>"
            f"<wp:status>publish</wp:status>"
            f"<wp:post_date_gmt>2024-05-02 09:00:00</wp:post_date_gmt>"
            f'<category domain="category" nicename="x">'
            f"<![CDATA[{TAGS[number % len(TAGS)]}]]></category>"
            f"<content:encoded><![CDATA[{body_html(number)}]]></content:encoded>"
            f"<excerpt:encoded><![CDATA[Standfirst of WordPress post {number}.]]></excerpt:encoded>"
            f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
            f"<wp:meta_value>{90000 + number % pictures}</wp:meta_value></wp:postmeta></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">'
        "<channel><title>Old site</title>"
        "<wp:author><wp:author_login>ana</wp:author_login>"
        "<wp:author_display_name><![CDATA[Ana Ruiz]]></wp:author_display_name></wp:author>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()
