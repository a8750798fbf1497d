"""The article's panel (``slots/panel.html``): the offer, or what the access hook shows.
A panel the decision says is shared (the offer, the reading script) is rendered once
per page, decision and language instead of on every request (``kiosco.lib.slots``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from kiosco.lib.hot import LocalMemo, build_id
from kiosco.newsroom.access import AccessDecision

_panels: LocalMemo[str] = LocalMemo(4096)


def article_panel(
    request: HttpRequest, context: Mapping[str, Any], render: Callable[[], str]
) -> str | None:
    decision: AccessDecision = context["decision"]
    if not decision.panel_is_shared:
        return None  # the reader's own (a dialog naming their other device)
    signed_in = request.user.is_authenticated
    place = f"{request.path}:{get_language()}:{build_id()}"  # the templates are this build's
    key = f"{decision.panel_template}:{decision.reason}:{signed_in}:{place}"
    panel = _panels.get(key)
    return panel if panel is not None else _panels.put(key, render())
