"""``{% sharing_notice %}``: the persistent sharing notice, on every page of every
device of a seat whose ladder is on (base.html includes it once)."""

from __future__ import annotations

from typing import Any

from django import template

from kiosco.insights import services

register = template.Library()


@register.inclusion_tag("insights/_notice.html", takes_context=True)
def sharing_notice(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"notice": None}  # anonymous readers cost nothing
    seat_id = services.seat_of(user.pk)
    if seat_id is None:
        return {"notice": None}
    decision = services.notice_for_seat(seat_id)
    if not decision.notice:
        return {"notice": None}
    return {"notice": services.notice_context(request, user, decision)}
