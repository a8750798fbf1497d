"""``{% sharing_notice %}``: the persistent sharing notice, on every page of every
device of a seat whose ladder is on (base.html includes it once)."""

from __future__ import annotations

from typing import Any

from django import template

from kiosco.insights import services
from kiosco.insights.snapshot import notice_of

register = template.Library()


@register.inclusion_tag("insights/_notice.html", takes_context=True)
def sharing_notice(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    decision = notice_of(user)  # from the reader's snapshot: no read of its own
    if request is None or decision is None:
        return {"notice": None}
    return {"notice": services.notice_context(request, user, decision)}
