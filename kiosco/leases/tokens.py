"""The lease token a device carries (cookie for pages, header for the API): seat, slot,
generation and device, signed so it cannot be forged. A tampered or foreign token
reads as ``None``; a stale generation is the engine's to refuse.

No maximum age: that would be judged by this app instance's clock, and app clocks
are never the lease's (instances may be skewed). The generation bounds a token
instead: it is worth something only while its slot is still at that generation
(renew, release) or one change past it with the taker still holding (Displaced),
all judged by the store's clock."""

from __future__ import annotations

from functools import lru_cache

from django.core import signing

from kiosco.leases.engine import Lease, Token

SALT = "kiosco.leases.token"


def sign_token(lease: Lease) -> str:
    return signing.dumps([lease.seat, lease.slot, lease.generation, lease.device], salt=SALT)


@lru_cache(maxsize=4096)  # a reading device sends the same token with every page
def read_token(value: str | None, device: str) -> Token | None:
    """The token, if it is genuine and was issued to this device."""
    if not value:
        return None
    try:
        seat, slot, generation, owner = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if owner != device or not all(isinstance(n, int) for n in (seat, slot, generation)):
        return None
    return Token(seat, slot, generation, owner)
