"""The edge: input that no view could store or parse is refused here, once, before any
view runs — and every refusal has one shape (``problem``).

Refused with 400: a NUL byte or a lone surrogate in the path, the query, a form field
or a JSON string (PostgreSQL cannot store either, and no reader types them); a body
declared in a charset that is not UTF-8 (or ASCII), or unknown; JSON that does not
parse or nests deeper than ``JSON_MAX_DEPTH`` (a RecursionError waiting to happen in
whatever walks it). Refused with 413: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

A cookie carrying a NUL byte is dropped, not refused: the browser would send it again
with every request and never get past a 400, while without it the reader is merely
signed out.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Where a refused text was, named in the error only: translated when one is raised,
# never on the way of a request that passes (a translation lookup per request).
IN_ADDRESS, IN_QUERY, IN_FORM = gettext_lazy("address"), gettext_lazy("query"), gettext_lazy("form")

JSON_MAX_DEPTH = 32
# Codec names (codecs.lookup(...).name) a body may declare. RFC 8259 makes JSON UTF-8;
# browsers post forms in the page's charset, which is UTF-8.
BODY_CHARSETS = {"utf-8", "ascii"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Refused(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def is_json_endpoint(request: HttpRequest) -> bool:
    """Speaks JSON: a path under ``KIOSCO_JSON_PATH_PREFIXES``, or a client that sent
    JSON or asks for it rather than for a page."""
    if request.path_info.startswith(tuple(settings.KIOSCO_JSON_PATH_PREFIXES)):
        return True
    if _is_json_type(request.content_type or ""):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str = "",
    *,
    template: str = "problem.html",
    **extra: Any,
) -> HttpResponse:
    """The one error shape: RFC 9457 problem JSON for JSON endpoints (``extra`` adds
    members), otherwise an HTML page in the reader's language."""
    if is_json_endpoint(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        return JsonResponse(
            {**body, **extra}, status=status, content_type="application/problem+json"
        )
    context = {"title": title, "detail": detail, "status": status}
    html = render_to_string(template, context, request=request)
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


class EdgeMiddleware:
    """First in MIDDLEWARE: nothing behind it sees what it refuses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _drop_unusable_cookies(request)
        try:
            check_request(request)
        except Refused as refused:
            language = translation.get_language_from_request(request)
            with translation.override(language):
                return problem(request, refused.status, str(refused.title), refused.detail)
        return self.get_response(request)


def check_request(request: HttpRequest) -> None:
    _check_texts([request.path_info], IN_ADDRESS)
    if request.META.get("QUERY_STRING"):
        _check_query(request.GET)
    _check_size(request)
    content_type = request.content_type or ""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    _check_charset(request, content_type)
    if content_type in FORM_TYPES:
        _check_form(request)
    elif _is_json_type(content_type) or (is_json_endpoint(request) and request.body):
        _check_json(request.body)


def _drop_unusable_cookies(request: HttpRequest) -> None:
    for name in [name for name, value in request.COOKIES.items() if not _storable(value)]:
        del request.COOKIES[name]


def _storable(text: str) -> bool:
    if text.isascii():  # the usual case, without encoding it
        return "\x00" not in text
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _check_texts(texts: Iterable[str], where: object) -> None:
    if not all(_storable(text) for text in texts):
        raise Refused(
            400,
            _("Bad request"),
            _("The %(where)s contains a character that is not allowed.") % {"where": where},
        )


def _check_query(query: QueryDict) -> None:
    for key, values in query.lists():
        _check_texts([key, *values], IN_QUERY)


def _check_size(request: HttpRequest) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    # multipart's file parts are not held in memory, so Django counts only its fields.
    if limit is not None and declared > limit and request.content_type != "multipart/form-data":
        raise Refused(
            413,
            _("Request too large"),
            _("The request body is larger than the %(limit)s bytes accepted.") % {"limit": limit},
        )


def _check_charset(request: HttpRequest, content_type: str) -> None:
    declared = request.content_params.get("charset") if request.content_params else None
    if declared is None:
        return
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        name = ""
    if name not in BODY_CHARSETS:
        raise Refused(
            400,
            _("Bad request"),
            _("The body is declared in the charset “%(charset)s”; send it in UTF-8.")
            % {"charset": declared[:40]},
        )


def _check_form(request: HttpRequest) -> None:
    try:
        fields = request.POST
    except RequestDataTooBig:
        raise Refused(413, _("Request too large"), _("The form is too large.")) from None
    except (SuspiciousOperation, BadRequest, MultiPartParserError, LookupError, ValueError):
        raise Refused(400, _("Bad request"), _("The form could not be read.")) from None
    for key, values in fields.lists():
        _check_texts([key, *values], IN_FORM)


def _check_json(body: bytes) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise Refused(400, _("Bad request"), _("The body is not valid UTF-8 JSON.")) from None
    _check_json_value(document)


def _check_json_value(document: Any) -> None:
    """Depth and strings of a parsed document, walked without recursion."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > JSON_MAX_DEPTH:
            raise Refused(
                400,
                _("Bad request"),
                _("The JSON body nests deeper than %(depth)s levels.") % {"depth": JSON_MAX_DEPTH},
            )
        if isinstance(value, dict):
            _check_texts(value.keys(), "JSON")
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_texts([value], "JSON")


def _is_json_type(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")
