"""Django's locale middleware, without the work it repeats on every request for
nothing; it answers exactly as Django's does.

Django looks for a language prefix in the path twice per request (once to choose the
language, once for the response), whether or not the URLconf uses ``i18n_patterns``.
Kiosco's URLs carry no language, and for a path whose first segment is not a language
code (every section and article page) the look-up ends in a ``LookupError`` raised and
caught, which nothing caches: 0.08 M instructions, 3.5% of a subscriber's page
(``bench/bench_instructions.py``). With prefixed patterns, Django's own code runs.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _prefixed_patterns(request: HttpRequest) -> bool:
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    return bool(is_language_prefix_patterns_used(urlconf)[0])


class LocaleMiddleware(locale.LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if _prefixed_patterns(request):
            return super().process_request(request)  # type: ignore[no-any-return]
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _prefixed_patterns(request):
            return super().process_response(request, response)  # type: ignore[no-any-return]
        # Django's, where no path carries a language: no redirect to a prefixed path.
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
