"""The account links in every page's masthead (``slots/account_nav.html``), rendered once
per reader, snapshot and language instead of on every page (``kiosco.lib.slots``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from kiosco.lib.hot import LocalMemo, build_id, usable
from kiosco.readers.snapshot import current

_navs: LocalMemo[str] = LocalMemo(4096)


def account_nav(
    request: HttpRequest, context: Mapping[str, Any], render: Callable[[], str]
) -> str | None:
    """Everything the links show comes from the reader's snapshot (their plan, their
    organisations), so an entry keyed by that snapshot is good until it is rebuilt;
    signed out, the links depend on the page only (sign in, then come back here)."""
    snap = current(request.user)
    if snap is not None and not usable(snap.version):
        return None  # the cache does not answer: nothing is kept
    here = context.get("here") or request.get_full_path()  # the sign-in link comes back here
    who = f"{snap.reader.pk}:{snap.version}:{snap.built}" if snap else f"anonymous:{here}"
    key = f"{who}:{get_language()}:{build_id()}"
    nav = _navs.get(key)
    return nav if nav is not None else _navs.put(key, render())
