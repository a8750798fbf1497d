"""A small HTTP client for tests that talk to a real ``kiosco serve``: one browser's
cookies (its session, its device, a CSRF token), one connection per request, no
redirects followed (a test reads the 302 itself)."""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

# A CSRF secret of our own, sent as the cookie and as the header (Django accepts the
# unmasked secret in X-CSRFToken).
CSRF = "k" * 32


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    cookies: dict[str, str]  # the cookies this answer set
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class Browser:
    def __init__(self, port: int, session: str | None = None) -> None:
        self.port = port
        self.cookies = {"csrftoken": CSRF}
        if session is not None:
            self.cookies["sessionid"] = session

    def with_a_device(self) -> Browser:
        """A first page view: the server hands out the device cookie."""
        answer = self.get("/")
        assert "kiosco_device" in answer.cookies, answer
        return self

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(
        self,
        path: str,
        form: dict[str, str] | None = None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"X-CSRFToken": CSRF, **(headers or {})}
        if body is None:
            body = urlencode(form or {}).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            sent.setdefault("Content-Type", "application/json")
        return self.request("POST", path, body, sent)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(
                method, path, body=body, headers={"Cookie": cookie, **(headers or {})}
            )
            response = connection.getresponse()
            answer = Answer(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                _cookies(response.msg.get_all("Set-Cookie") or []),
                response.read(),
            )
        finally:
            connection.close()
        self.cookies.update(answer.cookies)
        return answer

    def wait_until_it_answers(self, server: subprocess.Popen[bytes]) -> None:
        """Poll the liveness endpoint until the server listens (or fail if it exits)."""
        while True:
            assert server.poll() is None, f"the server exited ({server.returncode})"
            try:
                if self.get("/healthz/live").status == 200:
                    return
            except OSError:
                time.sleep(0.1)


def _cookies(headers: list[str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in headers:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}
