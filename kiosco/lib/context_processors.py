"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def edition(request: HttpRequest) -> dict[str, str]:
    return {
        "edition_name": settings.KIOSCO_EDITION_NAME,
        "edition_language": settings.KIOSCO_EDITION_LANGUAGE,
    }
