"""Test personas shared by every area: alice (Digital), bob (Premium), carol (bob's
extra user), acme (Business, 5 seats, admin dave). Verified emails, no passwords
(log in with ``client.force_login``), so building them costs no password hashing."""

from __future__ import annotations

from kiosco.subscriptions.demo import Personas, create_personas, make_reader

__all__ = ["Personas", "create_personas", "make_reader", "personas"]


def personas() -> Personas:
    return create_personas(password=None)
