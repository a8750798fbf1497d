"""django-csp's middleware, building each policy string once.

django-csp builds the Content-Security-Policy header on every response, twice (the
policy and the report-only one), from the same settings. A response with no nonce
drawn and no per-view change of the policy gets exactly the same string every time:
it is built once per process here; anything else goes the library's way."""

from __future__ import annotations

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
             "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")  # fmt: skip


@cache
def _policies() -> tuple[str, str]:
    return build_policy(), build_policy(report_only=True)


class CSPMiddleware(LibraryCSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        plain = (
            getattr(request, "_csp_nonce", None) is None
            and not any(hasattr(response, name) for name in _PER_VIEW)
            and not request.path_info.startswith(_excluded())
            and not settings.DEBUG  # the library leaves debug error pages alone
        )
        if not plain:
            return super().process_response(request, response)
        policy, report_only = _policies()
        if policy and HEADER not in response:
            response[HEADER] = policy
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = report_only
        # As the library does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


@cache
def _excluded() -> tuple[str, ...]:
    prefixes: set[str] = set()
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        prefixes.update((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", ()))
    return tuple(prefixes)
