"""Reading the lease event log as plain rows: the one place that knows its kind names.

No Django: the site (``services``) hands it rows from the database, the simulator
hands it the memory store's lines. The leases app is moving its kinds to typed tags;
a change of name is a one-line change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kiosco.insights.ladder import Takeover

TAKEOVER_KINDS = ("taken_over", "seat:lease:taken_over")


def takeovers_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Takeover]:
    """Rows with kind, at, idle_of_displaced, device, from_device → the takeovers."""
    return [
        Takeover(row["at"], row["idle_of_displaced"], row["device"] or "", row["from_device"] or "")
        for row in rows
        if row["kind"] in TAKEOVER_KINDS
    ]
