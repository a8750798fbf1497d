"""The access decision for subscriber-only articles, and what a reader does about it.

One place decides each view of a subscriber-only article (ARCHITECTURE.md, request
path): the reader's entitlement (subscriptions) and this device's reading lease
(leases). Held or Acquired → the article; Busy → the dialog ("in use on <device>
since <time>"); Displaced → the displaced dialog ("reading continued on <device> at
<time>"); no entitlement → the offer. Free and registered articles never get here
(``kiosco.newsroom.access``), so they never touch the lease store.

The lease token travels in a signed cookie (``LEASE_COOKIE``); the engine checks it on
every page view and heartbeat, so a device whose slot moved on gets no body, whatever
cookie it replays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from allauth.account.internal.flows import password_reset
from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse

from kiosco.leases import app_settings as lease_settings
from kiosco.leases import services as leases
from kiosco.leases.results import Acquired, Busy, Displaced, Held, Refused, Result
from kiosco.leases.timing import timing
from kiosco.leases.tokens import read_token, sign_token
from kiosco.newsroom.access import AccessDecision
from kiosco.newsroom.models import Article
from kiosco.paywall import app_settings
from kiosco.paywall.decision import BUSY as BUSY  # the states, re-exported: callers
from kiosco.paywall.decision import CONTENDED, OFFER, RATE_LIMITED, READING, state_of
from kiosco.paywall.decision import DISPLACED as DISPLACED  # import them from here
from kiosco.readers import services as readers
from kiosco.readers.app_settings import DEVICE_COOKIE
from kiosco.subscriptions.services.entitlements import Entitlements
from kiosco.subscriptions.snapshot import cached_entitlements

IDLE_CAP = 24 * 60 * 60.0


@dataclass(frozen=True)
class Reading:
    """This device's standing on its seat, as the dialog and the page script need it."""

    state: str
    entitlements: Entitlements
    token: str | None = None  # the lease token to hand the device (when reading)
    holder_label: str = ""  # the other device, as its reader knows it
    since: datetime | None = None  # Busy: when it started; Displaced: when it took over
    retry_at: datetime | None = None  # rate limited: when "continue" works again


def clamp_idle(value: Any) -> float:
    """Seconds since the reader's last input, as the page reports it; junk reads as
    idle for a day (never as fresh input, which could move a slot)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return IDLE_CAP
    return min(max(seconds, 0.0), IDLE_CAP) if math.isfinite(seconds) else IDLE_CAP


def hot_keys(request: HttpRequest) -> list[str]:
    """``KIOSCO_HOT_KEYS``: the held hint for the lease this device's cookie names."""
    cookie = request.COOKIES.get(app_settings.LEASE_COOKIE)
    return leases.hint_keys(cookie, request.COOKIES.get(DEVICE_COOKIE)) if cookie else []


def reading_for(request: HttpRequest, idle: float = 0.0, *, take_over: bool = False) -> Reading:
    """Ask the lease engine whether this device may read now (or, ``take_over``,
    move the reading here). A page view is input, so it reports ``idle`` 0."""
    # From the reader's cached snapshot: every change to their seat or plan moves it on.
    entitlements = cached_entitlements(request.user)
    if not entitlements.can_read_subscriber_content or entitlements.seat_id is None:
        return Reading(OFFER, entitlements)
    operation = leases.take_over_lease if take_over else leases.check_lease
    reader_id = request.user.pk
    assert reader_id is not None  # an entitled reader is signed in
    cookie = request.COOKIES.get(app_settings.LEASE_COOKIE)
    device = readers.device_id_of(request)
    result = operation(
        entitlements.seat_id, entitlements.devices_per_seat, reader_id, device, idle, cookie
    )
    return _reading(result, entitlements, cookie, device)


def _reading(
    result: Result, entitlements: Entitlements, cookie: str | None, device: str
) -> Reading:
    state = state_of(result)  # the pure part, which the sharing simulator drives too
    if isinstance(result, Held | Acquired):
        # The device's own token when it still names this lease (no new cookie to send).
        same = cookie is not None and read_token(cookie, device) == result.lease.token
        return Reading(state, entitlements, token=cookie if same else sign_token(result.lease))
    if isinstance(result, Busy):
        label = readers.device_label_of(result.holder.reader, result.holder.device)
        return Reading(state, entitlements, holder_label=label, since=_when(result.since))
    if isinstance(result, Displaced):
        label = readers.device_label_of(result.by.reader, result.by.device)
        return Reading(state, entitlements, holder_label=label, since=_when(result.at))
    if state == RATE_LIMITED and entitlements.seat_id is not None:
        again = leases.takeovers_allowed_again_at(entitlements.seat_id)
        return Reading(state, entitlements, retry_at=_when(again))
    return Reading(CONTENDED if state == RATE_LIMITED else state, entitlements)


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# --- the article page ------------------------------------------------------------------
def decide_article(request: HttpRequest, article: Article) -> AccessDecision:
    """``KIOSCO_ACCESS_DECISION``: a signed-in reader opens a subscriber-only article."""
    reading = reading_for(request)
    if reading.state == OFFER:
        return AccessDecision(False, "subscribe")
    reading = _with_refusal(request, reading)
    context = {"reading": reading, **page_script(request)}
    if reading.state == READING:
        return AccessDecision(
            True,
            "entitled",
            panel="paywall/_reading.html",
            context=context,
            finish=keep_token(request, reading),
            panel_shared=True,  # the page script's settings: the same for every reader
        )
    context.update(dialog_links(request, reading.entitlements))
    # Nothing of the body, not even the opening paragraph: another device reads it.
    return AccessDecision(
        False, reading.state, teaser=False, panel="paywall/_dialog.html", context=context
    )


def _with_refusal(request: HttpRequest, reading: Reading) -> Reading:
    """A "continue reading here" refused past the takeover limit redirects back to
    the article; the session carries why, once, so the dialog can say it."""
    if reading.state == READING:
        return reading
    refusal = request.session.pop(app_settings.REFUSAL_SESSION_KEY, None)
    if not refusal:
        return reading
    return replace(reading, state=RATE_LIMITED, retry_at=_when(float(refusal["retry_at"])))


def keep_token(request: HttpRequest, reading: Reading) -> Callable[[HttpResponse], None]:
    """Set the lease cookie when the token changed (a new holder, a new generation)."""

    def finish(response: HttpResponse) -> None:
        if settings.CSRF_COOKIE_NAME not in request.COOKIES:
            get_token(request)  # the page script sends the CSRF cookie's token back
        if reading.token and reading.token != request.COOKIES.get(app_settings.LEASE_COOKIE):
            response.set_cookie(
                app_settings.LEASE_COOKIE,
                reading.token,
                max_age=lease_settings.token_max_age(),
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )

    return finish


def page_script(request: HttpRequest) -> dict[str, Any]:
    """What reader.js needs, its timing from the one timing file (kiosco/leases)."""
    return _page_script()


@cache  # the same for every request: URLs, settings and the timing file
def _page_script() -> dict[str, Any]:
    values = timing()
    return {
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "heartbeat_url": reverse("paywall:heartbeat"),
        "release_url": reverse("paywall:release"),
        "live_url": app_settings.live_url(),
        "heartbeat_seconds": int(values.heartbeat_seconds),
        "release_on_hide": values.release_on_hide,
        "release_after_idle_seconds": int(values.release_after_idle_seconds),
        "input_events": " ".join(values.input_events),
        "live_reconnect_seconds": int(values.live_reconnect_seconds),
    }


def dialog_links(request: HttpRequest, entitlements: Entitlements) -> dict[str, str]:
    """Where the dialog's choices lead for this reader: Premium's owner invites, the
    others upgrade; an organisation's admin buys seats, the others see Business."""
    share = reverse("subscriptions:upgrade")
    if entitlements.plan_code == "premium" and entitlements.is_owner:
        share = reverse("subscriptions:mine")
    slug = _administered_organisation(request.user)
    seats = reverse("subscriptions:org", args=[slug]) if slug else reverse("subscriptions:plans")
    return {
        "share_url": share,
        "seats_url": seats if slug else f"{seats}#plan-business",
        "password_url": reverse("account_change_password"),
        "terms_url": reverse("subscriptions:terms"),
    }


def _administered_organisation(reader: Any) -> str | None:
    slugs = reader.administered_organisations.values_list("slug", flat=True)
    return next(iter(slugs[:1]), None)


# --- what the reader does about it -----------------------------------------------------
def continue_here(request: HttpRequest) -> Reading:
    """ "Continue reading here": take the slot from the other device, within the
    seat's takeover limit. A refusal is remembered for the dialog (once)."""
    reading = reading_for(request, take_over=True)
    if reading.state == RATE_LIMITED and reading.retry_at is not None:
        request.session[app_settings.REFUSAL_SESSION_KEY] = {
            "retry_at": reading.retry_at.timestamp()
        }
    return reading


def release_here(request: HttpRequest) -> bool:
    """The page was hidden or closed (the beacon): free the slot for the next device."""
    token = request.COOKIES.get(app_settings.LEASE_COOKIE)
    released = leases.release_lease(token, readers.device_id_of(request), "hidden")
    return not isinstance(released, Refused)


def that_was_not_me(request: HttpRequest) -> bool:
    """A displaced reader who does not know the other device: every device of theirs
    is signed out, every lease freed, and a link to set a new password is emailed.
    False (nothing done) past the rate limit."""
    reader = request.user
    usage = ratelimit.consume(
        request,
        app="kiosco.paywall",
        action="not_me",
        config=app_settings.rate_limits(),
        user=reader,
    )
    if usage is None:
        return False
    email = reader.email  # type: ignore[union-attr]
    readers.sign_out_every_device(request, reader, "not_me")  # type: ignore[arg-type]
    password_reset.request_password_reset(request, email, [reader], default_token_generator)
    return True
