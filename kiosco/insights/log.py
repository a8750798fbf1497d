"""Reading the lease event log as plain rows: the one place that knows its kind names.

No Django: the site (``services``) hands it rows from the database, the simulator
hands it the memory store's lines. The leases app is moving its kinds to typed tags;
a change of name is a one-line change here.

How idle the displaced device was at a takeover, as best the log knows: the
``taken_over`` line stores the input the engine had saved for it, which lags the
real one (the page reports once a heartbeat, and the engine saves a report only when
the stored one is older than half the idle limit). The displaced page, told live,
asks at once with its real idle; the engine logs that answer as the episode's
``displaced`` line (same seat, slot and generation). Its idle, less the time since
the takeover, is the idle at the takeover — when it came soon enough (``within``)
and the input it reports is older than the takeover (a page view or input after it
says nothing of the moment before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kiosco.insights.ladder import Takeover
from kiosco.leases.timing import timing

TAKEOVER_KINDS = ("taken_over", "seat:lease:taken_over")
DISPLACED_KINDS = ("displaced", "seat:lease:displaced")
KINDS = TAKEOVER_KINDS + DISPLACED_KINDS  # the lines the ladder reads
REPORT_MARGIN = 15.0  # a report counts up to one heartbeat and this much after the takeover
CLOCK_MARGIN = 1.0  # the page rounds its idle to whole seconds

Key = tuple[Any, Any, Any, str]


def report_within(heartbeat: float | None = None) -> float:
    """How late a displaced page's report may come: its next heartbeat, when the live
    stream did not reach it, plus a margin for the request's way."""
    return (timing().heartbeat_seconds if heartbeat is None else heartbeat) + REPORT_MARGIN


def takeovers_from_rows(
    rows: Iterable[Mapping[str, Any]], within: float | None = None
) -> list[Takeover]:
    """Rows with kind, at, seat, slot, generation, idle_of_displaced, device and
    from_device → the takeovers, each with the displaced device's idle as best known."""
    rows = list(rows)
    reports = _first_reports(rows)
    limit = report_within() if within is None else within
    return [
        Takeover(
            row["at"],
            idle_at_takeover(row, reports.get(_key(row, row["from_device"])), limit),
            row["device"] or "",
            row["from_device"] or "",
        )
        for row in rows
        if row["kind"] in TAKEOVER_KINDS
    ]


def idle_at_takeover(
    takeover: Mapping[str, Any], report: Mapping[str, Any] | None, within: float
) -> float | None:
    """The smaller of the stored idle and the one the displaced device reported,
    moved back to the takeover's time; the stored one alone when the report is
    missing, late, or about input after the takeover."""
    stored = takeover["idle_of_displaced"]
    if report is None or report["idle_of_displaced"] is None:
        return stored
    delay, idle = report["at"] - takeover["at"], report["idle_of_displaced"]
    if not 0 <= delay <= within or idle + CLOCK_MARGIN < delay:
        return stored
    estimate = max(0.0, idle - delay)
    return estimate if stored is None else min(stored, estimate)


def _first_reports(rows: list[Mapping[str, Any]]) -> dict[Key, Mapping[str, Any]]:
    """The first ``displaced`` line of each episode (the engine writes one)."""
    first: dict[Key, Mapping[str, Any]] = {}
    for row in sorted((r for r in rows if r["kind"] in DISPLACED_KINDS), key=lambda r: r["at"]):
        first.setdefault(_key(row, row["device"]), row)
    return first


def _key(row: Mapping[str, Any], displaced: str | None) -> Key:
    return (row.get("seat"), row["slot"], row["generation"], displaced or "")
