"""Responsive renditions of the edition's images, made with Pillow.

Each image gets widths up to its own (never upscaled) in JPEG, WebP and — where this
Pillow build has it — AVIF; the page offers them in a ``<picture>`` with ``srcset`` so
a phone downloads a 640-pixel WebP and not the 4,000-pixel original.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as Pillow
from PIL import ImageOps, features

from kiosco.newsroom.models import Image

WIDTHS = (320, 640, 1024, 1600)
QUALITY = {"jpeg": 82, "webp": 80, "avif": 60}
# The original may be huge; Pillow refuses decompression bombs past this many pixels.
MAX_PIXELS = 40_000_000
Pillow.MAX_IMAGE_PIXELS = MAX_PIXELS


class UnusableImage(ValueError):
    """The file is not an image Pillow can read, or it is too large."""


def formats() -> list[str]:
    """The modern formats first (a browser takes the first ``<source>`` it supports)."""
    found = [name for name in ("avif", "webp") if features.check(name)]
    return [*found, "jpeg"]


def widths_for(original: int) -> list[int]:
    widths = [width for width in WIDTHS if width < original]
    return [*widths, min(original, WIDTHS[-1])]


def make_renditions(image: Image) -> dict[str, list[list[int | str]]]:
    """Write every rendition of ``image`` and record them on it."""
    try:
        with image.file.open("rb") as handle:
            picture = ImageOps.exif_transpose(Pillow.open(handle))
            picture.load()
    except (OSError, Pillow.DecompressionBombError) as exc:
        raise UnusableImage(f"the file is not a readable image ({exc})") from None
    picture = picture.convert("RGB")
    renditions: dict[str, list[list[int | str]]] = {}
    for name in formats():
        renditions[name] = [
            [width, _save(picture, image.pk, width, name)] for width in widths_for(picture.width)
        ]
    image.renditions = renditions
    image.save(update_fields=["renditions"])
    return renditions


def _save(picture: Pillow.Image, image_id: int, width: int, name: str) -> str:
    height = max(1, round(picture.height * width / picture.width))
    resized = picture.resize((width, height), Pillow.Resampling.LANCZOS)
    buffer = io.BytesIO()
    resized.save(buffer, format=name.upper(), quality=QUALITY[name])
    path = f"renditions/{image_id}/{width}.{'jpg' if name == 'jpeg' else name}"
    if default_storage.exists(path):
        default_storage.delete(path)
    return default_storage.save(path, ContentFile(buffer.getvalue()))


def create_image(
    content: bytes,
    filename: str,
    *,
    alt: str,
    caption: str = "",
    credit: str = "",
    source: str = "",
) -> Image:
    """A new image from a file's bytes, with its renditions. ``alt`` is required."""
    image = stored_image(content, filename, alt=alt, caption=caption, credit=credit)
    image.source = source
    image.save()
    make_renditions(image)
    return image


def stored_image(
    content: bytes, filename: str, *, alt: str, caption: str = "", credit: str = ""
) -> Image:
    """An image row not yet saved, its file checked and stored: what a bulk writer (the
    archive import) inserts many of at once, then queues the renditions of."""
    if not alt.strip():
        raise UnusableImage("an image needs an alternative text saying what it shows")
    try:
        with Pillow.open(io.BytesIO(content)) as probe:
            size = probe.size
            probe.verify()
    except (OSError, SyntaxError, Pillow.DecompressionBombError) as exc:
        raise UnusableImage(f"{filename}: not a readable image ({exc})") from None
    image = Image(alt=alt.strip()[:300], caption=caption[:500], credit=credit[:200])
    image.file.save(Path(filename).name, ContentFile(content), save=False)
    image.width, image.height = size
    return image


def delete_files(image: Image) -> None:
    """Remove an image's original and renditions from storage (its row is the caller's)."""
    paths = [path for sizes in (image.renditions or {}).values() for _, path in sizes]
    for path in [image.file.name, *paths]:
        if path and default_storage.exists(str(path)):
            default_storage.delete(str(path))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)
