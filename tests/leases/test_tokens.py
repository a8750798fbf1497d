from __future__ import annotations

import time

import pytest
from django.core import signing

from kiosco.leases.engine import Lease, Token
from kiosco.leases.tokens import SALT, read_token, sign_token

LEASE = Lease(seat=7, slot=0, generation=42, device="a" * 32, reader=2, expires_at=0.0)


def test_it_reads_back_the_token_it_signed() -> None:
    assert read_token(sign_token(LEASE), LEASE.device) == Token(7, 0, 42, LEASE.device)


def test_it_refuses_a_tampered_token() -> None:
    value = sign_token(LEASE)
    forged = signing.dumps([7, 0, 43, LEASE.device], salt="another-salt")
    assert read_token(value[:-2] + "xx", LEASE.device) is None
    assert read_token(forged, LEASE.device) is None


def test_it_refuses_a_token_issued_to_another_device() -> None:
    assert read_token(sign_token(LEASE), "b" * 32) is None


def test_it_refuses_a_malformed_payload() -> None:
    assert read_token(signing.dumps(["x", 0, 1, LEASE.device], salt=SALT), LEASE.device) is None
    assert read_token(signing.dumps({"seat": 1}, salt=SALT), LEASE.device) is None
    assert read_token("", LEASE.device) is None
    assert read_token(None, LEASE.device) is None


def test_it_judges_a_token_by_its_generation_not_by_the_app_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Signed by an app instance whose clock ran two days behind (or long ago): still
    # the same token. Whether it is worth anything is the store's to say.
    real = time.time  # what django.core.signing stamps tokens with
    monkeypatch.setattr(time, "time", lambda: real() - 2 * 86400)
    value = sign_token(LEASE)
    monkeypatch.setattr(time, "time", real)
    assert read_token(value, LEASE.device) == Token(7, 0, 42, LEASE.device)
