"""Background tasks (django-tasks, database backend): `kiosco worker` runs them."""

from __future__ import annotations

import logging

from django_tasks import task

from kiosco.newsroom import images
from kiosco.newsroom.models import Image

logger = logging.getLogger("kiosco.newsroom")


@task()
def make_renditions(image_ids: list[int]) -> int:
    """The renditions of these images (an archive import queues its new pictures, a
    few dozen a task: hours of encoding for a large archive, off the import's path).
    Until then a page shows the original. Returns how many were made."""
    made = 0
    for image in Image.objects.filter(pk__in=image_ids, renditions={}):
        try:
            images.make_renditions(image)
            made += 1
        except images.UnusableImage:  # checked on import; a file changed since
            logger.warning("image %s: no renditions, the file is unreadable", image.pk)
    return made
