"""The page script's timing, from ``timing.json`` — the one file the script's values
come from (the page renders them into the script's data attributes) and that Python
reads too (settings checks, the sharing simulator)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PATH = Path(__file__).with_name("timing.json")


@dataclass(frozen=True)
class Timing:
    heartbeat_seconds: float
    heartbeat_only_while_visible: bool
    release_on_hide: bool
    # A visible page with no input for this long frees its slot (0: never), and asks
    # again at the next input: a tab left in view, or a screen that locks without
    # telling the page, then blocks no other device of the reader.
    release_after_idle_seconds: float
    input_events: tuple[str, ...]
    live_reconnect_seconds: float
    live_keepalive_seconds: float


@cache
def timing() -> Timing:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return Timing(
        heartbeat_seconds=float(data["heartbeat_seconds"]),
        heartbeat_only_while_visible=bool(data["heartbeat_only_while_visible"]),
        release_on_hide=bool(data["release_on_hide"]),
        release_after_idle_seconds=float(data["release_after_idle_seconds"]),
        input_events=tuple(str(name) for name in data["input_events"]),
        live_reconnect_seconds=float(data["live_reconnect_seconds"]),
        live_keepalive_seconds=float(data["live_keepalive_seconds"]),
    )


def idle_limit_problem(idle_seconds: float) -> str | None:
    """Why an idle limit (``KIOSCO_LEASE_IDLE``) would judge active readers stale, or
    ``None``. The page reports input once per heartbeat, and the engine keeps a
    holder's stored input up to half the idle limit behind what was reported (it
    saves a write per heartbeat), so an active reader's stored input can be
    ``idle / 2 + heartbeat`` old: the limit must be more than twice the heartbeat."""
    heartbeat = timing().heartbeat_seconds
    if idle_seconds > 2 * heartbeat:
        return None
    return (
        f"KIOSCO_LEASE_IDLE must be more than twice the page's heartbeat interval "
        f"({heartbeat:g} s, kiosco/leases/timing.json), got {idle_seconds:g}: the page reports "
        f"input once per heartbeat and the engine keeps it up to half the idle limit behind, "
        f"so a reader who is reading would look idle and lose the slot to another device"
    )
