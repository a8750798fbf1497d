"""Every URL the edition serves, walked with hostile input, answers without a 5xx and
in the error shape of its kind: an HTML page, or ``application/problem+json`` for the
JSON endpoints. The URLs come from the URLconf, so a new view is covered by itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kiosco.lib.edge import is_json_endpoint
from tests.support.personas import make_reader
from tests.support.regex_example import simplest_match

pytestmark = pytest.mark.django_db
NUL = "\x00"
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
MULTIPART = (
    b'--BoUnDaRy\r\nContent-Disposition: form-data; name="email"\r\n'
    b"Content-Type: text/plain; charset=klingon\r\n\r\nx@example.com\r\n--BoUnDaRy--\r\n"
)
ERROR_SHAPES = ("text/html", "application/problem+json")


def _walk(patterns: list[Any], prefix: str = "/") -> Iterator[str]:
    for entry in patterns:
        part = simplest_match(entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + part


PATHS = sorted(set(_walk(get_resolver().url_patterns)))


def _hostile_requests(path: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(what, method, client kwargs) for one URL."""
    head, _, tail = path.rstrip("/").rpartition("/")
    yield "NUL in the path", "get", {"path": f"{head}/{tail}%00/"}
    yield "NUL in the query", "get", {"path": path, "data": {"next": NUL, "q": "a" + NUL}}
    yield "non-UTF-8 query", "get", {"path": path + "?q=%ff%fe%00"}
    yield "overlong query", "get", {"path": path, "data": {"q": "x" * 20_000}}
    form = {"email": "a" + NUL + "@example.com", "login": NUL, "password": NUL, "key": NUL}
    yield "NUL in a form field", "post", {"path": path, "data": form}
    yield "NUL in a multipart field", "post", {"path": path, "data": {"name": NUL}}
    yield (
        "non-UTF-8 form",
        "post",
        {
            "path": path,
            "data": b"email=%ff%fe&password=\xff\xfe",
            "content_type": "application/x-www-form-urlencoded",
        },
    )
    for charset in ("klingon", "utf-16", "utf-7"):
        yield (
            f"charset {charset}",
            "post",
            {
                "path": path,
                "data": b"email=x%40example.com",
                "content_type": f"application/x-www-form-urlencoded; charset={charset}",
            },
        )
        yield (
            f"multipart charset {charset}",
            "post",
            {
                "path": path,
                "data": MULTIPART,
                "content_type": f"multipart/form-data; boundary=BoUnDaRy; charset={charset}",
            },
        )
    yield (
        "NUL in JSON",
        "post",
        {
            "path": path,
            "data": json.dumps({"id": "evt_" + NUL, "type": "created"}),
            "content_type": "application/json",
        },
    )
    yield (
        "lone surrogate in JSON",
        "post",
        {
            "path": path,
            "data": b'{"id": "\\ud800"}',
            "content_type": "application/json",
        },
    )
    yield (
        "deeply nested JSON",
        "post",
        {
            "path": path,
            "data": DEEP_JSON,
            "content_type": "application/json",
        },
    )
    yield (
        "non-UTF-8 JSON",
        "post",
        {
            "path": path,
            "data": b'{"id": "\xff\xfe"}',
            "content_type": "application/json",
        },
    )
    huge = b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    yield (
        "huge JSON body",
        "post",
        {
            "path": path,
            "data": b'{"x": "' + huge + b'"}',
            "content_type": "application/json",
        },
    )
    yield (
        "huge form body",
        "post",
        {
            "path": path,
            "data": b"q=" + huge,
            "content_type": "application/x-www-form-urlencoded",
        },
    )


def _send(client: Client, method: str, kwargs: dict[str, Any]) -> Any:
    if "content_type" in kwargs:  # raw bytes, sent as they are (the client would re-encode)
        return client.generic("POST", kwargs["path"], kwargs["data"], kwargs["content_type"])
    return getattr(client, method)(**kwargs)


def _assert_answered_in_shape(response: Any, path: str, what: str) -> None:
    where = f"{what} at {path}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code < 400:
        return
    content_type = response.get("Content-Type", "")
    assert content_type.startswith(ERROR_SHAPES), f"{where}: {content_type}"
    if response.status_code in (400, 413):
        if is_json_endpoint(response.wsgi_request):
            problem = json.loads(response.content)
            assert content_type.startswith("application/problem+json"), where
            assert problem["status"] == response.status_code and problem["title"], where
        else:
            assert content_type.startswith("text/html"), where


def _clients(reader: Any) -> Iterator[tuple[str, Client]]:
    yield "anonymous", Client()
    signed_in = Client()
    signed_in.force_login(reader)
    yield "signed in", signed_in


def test_it_walks_every_url_pattern(settings):
    assert "/billing/webhook/" in PATHS and "/accounts/login/" in PATHS, PATHS
    assert len(PATHS) > 40, PATHS  # the admin's and allauth's views too


@pytest.mark.parametrize("path", PATHS)
def test_it_answers_hostile_input_without_a_5xx(path, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # the limit, smaller, for speed
    reader = make_reader("walker@example.com", password=None)
    for who, client in _clients(reader):
        for what, method, kwargs in _hostile_requests(path):
            if who == "signed in":
                client.force_login(reader)  # a POST to /accounts/logout/ signs out
            response = _send(client, method, kwargs)
            _assert_answered_in_shape(response, path, f"{who}: {what}")


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "kiosco_device", "django_language"])
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/account/", "/plans/"])
def test_it_survives_a_nul_byte_in_a_cookie(path, cookie):
    client = Client()
    client.cookies[cookie] = "abc" + NUL + "def" * 10
    response = client.get(path, follow=True)
    assert response.status_code == 200
