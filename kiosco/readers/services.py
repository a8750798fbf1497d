"""Reader services: devices, sessions, and what follows a password change, an
export or a deletion. Views and signal receivers call these; they never save readers'
devices or sessions themselves."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any, cast

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from ua_parser import parse as parse_user_agent

from kiosco.leases import services as leases
from kiosco.readers import app_settings
from kiosco.readers.events import EventTag, record
from kiosco.readers.models import Device, Reader
from kiosco.readers.notices import remember_sign_out

DEVICE_ID_PATTERN = re.compile(r"^[0-9a-f]{32,64}$")
SESSION_DEVICE_KEY = "kiosco_device_seen"


class ReaderNotDeletable(Exception):
    """Another part of Kiosco still holds on to the reader (e.g. a live subscription)."""


def new_device_id() -> str:
    """128 random bits, hex: an identifier, never derived from the browser."""
    return secrets.token_hex(16)


def is_device_id(value: str | None) -> bool:
    return bool(value) and bool(DEVICE_ID_PATTERN.match(value or ""))


class DeviceRequest(HttpRequest):
    """A request DeviceMiddleware has seen: it carries this browser's device id."""

    device_id: str


def device_id_of(request: HttpRequest) -> str:
    """The browser's device id (``DeviceMiddleware`` sets it on every request)."""
    return cast(DeviceRequest, request).device_id


def device_label(user_agent: str) -> str:
    """ "Firefox on Android" from a User-Agent header; "" when nothing is recognised."""
    parsed = parse_user_agent(user_agent[:512])
    browser = (
        parsed.user_agent.family.removeprefix("Mobile ").removesuffix(" Mobile")
        if parsed.user_agent
        else ""
    )
    system = parsed.os.family if parsed.os else ""
    if browser and system and system != "Other":
        return f"{browser} on {system}"[:120]
    return (browser if browser != "Other" else "")[:120]


def client_ip(request: HttpRequest) -> str | None:
    from kiosco.lib.client_ip import client_ip as resolve

    return resolve(request, app_settings.trusted_proxies())


def touch_device(reader: Reader, device_id: str, user_agent: str) -> Device:
    """Create the reader's row for this device, or move its last_seen forward — at
    most once per touch interval, so a busy reader costs one write every few minutes."""
    now = timezone.now()
    device, created = Device.objects.get_or_create(
        reader=reader,
        device_id=device_id,
        defaults={"label": device_label(user_agent), "last_seen": now},
    )
    if created:
        return device
    stale = now - timedelta(seconds=app_settings.device_touch_interval())
    # Compare-and-set on last_seen: of two requests racing here one writes; the loser
    # updates no row and keeps the value the winner wrote moments ago.
    Device.objects.filter(pk=device.pk, last_seen__lt=stale).update(last_seen=now)
    return device


def echoed_device_id(request: HttpRequest) -> str | None:
    """The device id this browser sent back in its cookie, or None. A freshly minted id
    (first request, or a script that drops cookies) names no device yet: a client that
    never echoes it would otherwise get a new Device row on every request."""
    device_id = getattr(request, "device_id", None)
    if device_id and request.COOKIES.get(app_settings.DEVICE_COOKIE) == device_id:
        return str(device_id)
    return None


def link_session_to_device(request: HttpRequest) -> None:
    """Mark the signed-in session (allauth's UserSession row) with this browser's device
    id, so that signing the device out can find and end its sessions. Only an echoed id
    counts; a browser that signed in on its first request is linked on its next one."""
    device_id = echoed_device_id(request)
    session_key = request.session.session_key
    if not device_id or not session_key or not request.user.is_authenticated:
        return
    for session in UserSession.objects.filter(session_key=session_key, user_id=request.user.pk):
        if session.data.get("device") != device_id:
            session.data = {**session.data, "device": device_id}
            session.save(update_fields=["data"])
    touch_device(request.user, device_id, request.headers.get("user-agent", ""))  # type: ignore[arg-type]
    request.session[SESSION_DEVICE_KEY] = [device_id, timezone.now().timestamp()]


def end_sessions(
    request: HttpRequest, reader: Reader, sessions: list[UserSession], reason: str
) -> int:
    """End these sessions of the reader (their next request is anonymous) and record
    each. Returns how many ended."""
    for session in sessions:
        session.end()
        remember_sign_out(session.data.get("device", ""), reason)
        record(
            EventTag.SESSION_ENDED,
            reader=reader,
            ip_address=client_ip(request),
            reason=reason,
            device=session.data.get("device", ""),
        )
    return len(sessions)


def sign_out_device(request: HttpRequest, reader: Reader, device_id: str) -> int:
    """End every session of ``device_id`` and release its leases. Returns how many
    sessions ended. The current device signs out with the ordinary log-out instead."""
    with transaction.atomic():
        sessions = list(UserSession.objects.filter(user_id=reader.pk, data__device=device_id))
        ended = end_sessions(request, reader, sessions, "device_signed_out")
        Device.objects.filter(reader=reader, device_id=device_id).delete()
        record(
            EventTag.DEVICE_SIGNED_OUT,
            reader=reader,
            ip_address=client_ip(request),
            device=device_id,
        )
    leases.release_device(reader.pk, device_id, "device_signed_out")
    return ended


def sign_out_other_devices(request: HttpRequest, reader: Reader, reason: str) -> int:
    """End every session of the reader except this request's, and release the leases
    of every other device. Returns how many sessions ended."""
    current_key = request.session.session_key
    current_device = getattr(request, "device_id", "")
    with transaction.atomic():
        others = list(
            UserSession.objects.filter(user_id=reader.pk).exclude(session_key=current_key)
        )
        ended = end_sessions(request, reader, others, reason)
        gone = Device.objects.filter(reader=reader).exclude(device_id=current_device)
        device_ids = list(gone.values_list("device_id", flat=True))
        gone.delete()
    for device_id in device_ids:
        leases.release_device(reader.pk, device_id, reason)
    return ended


def sign_out_every_device(request: HttpRequest, reader: Reader, reason: str) -> int:
    """Every session of the reader ends, this browser's too, and every lease goes:
    "that wasn't me" on a displaced device. Returns how many other sessions ended."""
    ended = sign_out_other_devices(request, reader, reason)
    leases.release_all_for_reader(reader.pk, reason)
    logout(request)
    return ended


def device_label_of(reader_id: int, device_id: str) -> str:
    """How the reader knows that device ("Firefox on Android"); "" when unknown."""
    device = Device.objects.filter(reader_id=reader_id, device_id=device_id).first()
    return device.label if device is not None else ""


def end_sessions_after_password_change(request: HttpRequest, reader: Reader, *, reset: bool) -> int:
    """A changed or reset password ends every other session at once. Django's session
    auth hash already turns them anonymous on their next request; deleting them here
    also frees the session rows and the leases of the other devices."""
    tag = EventTag.PASSWORD_RESET if reset else EventTag.PASSWORD_CHANGED
    record(tag, reader=reader, ip_address=client_ip(request))
    ended = sign_out_other_devices(request, reader, str(tag))
    if reset:
        # A reset comes from a browser that was not signed in: nothing of the reader's
        # is "current", so every lease goes.
        leases.release_all_for_reader(reader.pk, str(tag))
    return ended


def set_language(reader: Reader, language: str) -> None:
    reader.language = language
    reader.save(update_fields=["language"])


def export_reader_data(request: HttpRequest, reader: Reader) -> dict[str, Any]:
    """Everything Kiosco's accounts hold on the reader, as JSON-ready data."""
    record(EventTag.ACCOUNT_EXPORTED, reader=reader, ip_address=client_ip(request))
    return {**_accounts_data(reader), **_other_apps_data(reader)}


def _other_apps_data(reader: Reader) -> dict[str, Any]:
    """Sections from the other apps (subscriptions, newsletter…): each dotted path in
    KIOSCO_READER_EXPORTERS is ``f(reader) -> dict`` of JSON-ready sections."""
    sections: dict[str, Any] = {}
    for path in getattr(settings, "KIOSCO_READER_EXPORTERS", []):
        sections.update(import_string(path)(reader))
    return sections


def _accounts_data(reader: Reader) -> dict[str, Any]:
    return {
        "profile": {
            "email": reader.email,
            "language": reader.language,
            "date_joined": reader.date_joined.isoformat(),
            "last_login": reader.last_login.isoformat() if reader.last_login else None,
        },
        "emails": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=reader).order_by("id")
        ],
        "devices": [
            {
                "label": d.label,
                "first_seen": d.first_seen.isoformat(),
                "last_seen": d.last_seen.isoformat(),
            }
            for d in reader.devices.all()
        ],
        "sessions": [
            {
                "ip": s.ip,
                "user_agent": s.user_agent,
                "created_at": s.created_at.isoformat(),
                "last_seen_at": s.last_seen_at.isoformat(),
            }
            for s in UserSession.objects.filter(user=reader).order_by("created_at")
        ],
        "security_events": [
            {
                "tag": e.tag,
                "ip_address": e.ip_address,
                "data": e.data,
                "at": e.created_at.isoformat(),
            }
            for e in reader.security_events.all()
        ],
    }


def _refuse_while_subscriptions_need(reader: Reader) -> None:
    """A paying owner or an organisation's last admin cannot vanish with a cascade:
    the subscriptions app refuses (or frees the seats of subscriptions that ended)."""
    from kiosco.subscriptions.services.accounts import (
        SubscriptionKeepsAccount,
        prepare_account_deletion,
    )

    try:
        prepare_account_deletion(reader)
    except SubscriptionKeepsAccount as refused:
        raise ReaderNotDeletable(str(refused)) from None


def delete_reader(request: HttpRequest, reader: Reader) -> None:
    """Delete the reader and everything held on them; sign this browser out.
    Raises :class:`ReaderNotDeletable` when another app protects the row."""
    reader_id = reader.pk
    try:
        with transaction.atomic():
            _refuse_while_subscriptions_need(reader)
            sessions = list(UserSession.objects.filter(user_id=reader_id))
            reader.delete()
            # The reader's own events went with them; this one keeps only the id.
            record(EventTag.ACCOUNT_DELETED, ip_address=client_ip(request), reader_id=reader_id)
    except ProtectedError:
        # Django's message names tables; the reader gets a sentence.
        raise ReaderNotDeletable(
            _("Something in your account still depends on it. Please contact us.")
        ) from None
    for session in sessions:
        if session.session_key != request.session.session_key:
            session.end()
    leases.release_all_for_reader(reader_id, "account_deleted")
    logout(request)
