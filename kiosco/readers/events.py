"""Security events as typed tags (``source:subject:action``), after warehouse's
``events/tags.py``. Every app records through :func:`record`; detection, the account
page and the data export read the rows, never request handlers."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from kiosco.readers.models import Reader, SecurityEvent


class EventTag(StrEnum):
    LOGIN_SUCCEEDED = "account:login:succeeded"
    LOGIN_FAILED = "account:login:failed"
    LOGOUT = "account:logout:succeeded"
    SIGNUP = "account:signup:succeeded"
    SIGNUP_EXISTING = "account:signup:existing_address"  # a sign-up with a taken address
    EMAIL_VERIFIED = "account:email:verified"
    EMAIL_CHANGED = "account:email:changed"
    PASSWORD_CHANGED = "account:password:changed"
    PASSWORD_RESET = "account:password:reset"
    SESSION_ENDED = "account:session:ended"
    DEVICE_SIGNED_OUT = "account:device:signed_out"
    ACCOUNT_EXPORTED = "account:data:exported"
    RATE_LIMITED = "account:ratelimit:refused"
    RATE_LIMIT_FAILED_OPEN = "account:ratelimit:failed_open"
    ACCOUNT_DELETED = "account:data:deleted"


def record(
    tag: EventTag | str,
    reader: Reader | None = None,
    ip_address: str | None = None,
    **data: Any,
) -> None:
    """Append one event in the caller's transaction: it commits with the action it
    describes or not at all. A rolled-back action leaves no trace, and a process killed
    right after the commit cannot lose it (written after commit, it could: seen with a
    roll-over killed there, whose rerun had nothing left to record). What reacts to an
    event outside the database (a cache) does so after commit (insights' receivers)."""
    SecurityEvent.objects.create(reader=reader, tag=str(tag), ip_address=ip_address, data=data)
