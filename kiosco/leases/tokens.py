"""The lease token a device carries (cookie for pages, header for the API): seat, slot,
generation and device, signed so it cannot be forged. A tampered, foreign or too old
token reads as ``None``; a stale generation is the engine's to refuse."""

from __future__ import annotations

from django.core import signing

from kiosco.leases import app_settings
from kiosco.leases.engine import Lease, Token

SALT = "kiosco.leases.token"


def sign_token(lease: Lease) -> str:
    return signing.dumps([lease.seat, lease.slot, lease.generation, lease.device], salt=SALT)


def read_token(value: str | None, device: str) -> Token | None:
    """The token, if it is genuine, recent enough and was issued to this device."""
    if not value:
        return None
    try:
        seat, slot, generation, owner = signing.loads(
            value, salt=SALT, max_age=app_settings.token_max_age()
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if owner != device or not all(isinstance(n, int) for n in (seat, slot, generation)):
        return None
    return Token(seat, slot, generation, owner)
