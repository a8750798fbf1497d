"""Pages rendered once and shared, with the parts that differ per request stitched in.

Most of a page is the same for every reader who may see it: an article's header and
body, the front page's stories, the masthead. A template marks what differs per
request with ``{% slot "name" %}`` (``templatetags/slots.py``); each slot is a small
template of its own, ``slots/<name>.html``. Rendered normally, a slot renders in
place. Rendered as a *shell* (``render_shell``), it leaves a marker instead; the
shell is cut at the markers once (``Shell``) and kept, and each request only fills
the slots (``Shell.fill``): a few small templates instead of the whole page.

Markers carry a digest of the secret key, so text from the database (a headline, a
body) can never pose as one. They are plain letters and digits: safe in text and in
attribute values, and untouched by escaping.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import get_template

# Set while a shell renders: every slot leaves its marker. A context variable, not a
# template variable: an inclusion tag starts a fresh template context, and a slot
# inside one must still never be rendered into the shared page.
_rendering_shell: ContextVar[bool] = ContextVar("kiosco_rendering_shell", default=False)


def rendering_shell() -> bool:
    return _rendering_shell.get()


@cache
def _prefix() -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), b"kiosco-slot", hashlib.sha256)
    return "kslot" + digest.hexdigest()[:16]


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile(rf"{_prefix()}x([a-z_]+)x")


def marker(name: str) -> str:
    return f"{_prefix()}x{name}x"


@dataclass(frozen=True)
class Shell:
    """A rendered page cut at its slots: static text and slot names, alternating."""

    parts: tuple[str, ...]

    @classmethod
    def of(cls, html: str) -> Shell:
        return cls(tuple(_pattern().split(html)))

    @property
    def slots(self) -> tuple[str, ...]:
        return self.parts[1::2]

    def fill(self, values: Mapping[str, str]) -> str:
        parts = list(self.parts)
        parts[1::2] = [values[name] for name in self.parts[1::2]]
        return "".join(parts)


def render_shell(template: str, context: dict[str, Any], request: HttpRequest) -> Shell:
    """Render ``template`` once for everyone ``context`` stands for, with its slots
    left as markers."""
    token = _rendering_shell.set(True)
    try:
        return Shell.of(get_template(template).render(context, request))
    finally:
        _rendering_shell.reset(token)


def render_slot(name: str, context: Mapping[str, Any], request: HttpRequest) -> str:
    return get_template(f"slots/{name}.html").render(dict(context), request)


# A quicker way to a slot than its template, registered by the app that knows: it
# answers the slot's HTML (often "" — no flash message, no notice), or None to let the
# template render. f(request, context, render) where render() renders the template.
QuickSlot = Callable[[HttpRequest, Mapping[str, Any], Callable[[], str]], str | None]
_quick: dict[str, QuickSlot] = {}


def register_quick_slot(name: str, quick: QuickSlot) -> None:
    """Called from an app's ``ready()``."""
    _quick[name] = quick


def fill_slots(shell: Shell, request: HttpRequest, context: Mapping[str, Any]) -> str:
    """This request's page: every slot rendered with ``context`` (the per-request part
    of the page's context), through its quick way where one is registered."""
    values: dict[str, str] = {}
    for name in shell.slots:
        if name in values:
            continue

        def render(name: str = name) -> str:
            return render_slot(name, context, request)

        quick = _quick.get(name)
        answer = quick(request, context, render) if quick is not None else None
        values[name] = render() if answer is None else answer
    return shell.fill(values)


def no_messages(
    request: HttpRequest, context: Mapping[str, Any], render: Callable[[], str]
) -> str | None:
    """The "messages" slot: nothing to say, nothing to render (most pages)."""
    from django.contrib.messages import get_messages

    return "" if not len(get_messages(request)) else None
