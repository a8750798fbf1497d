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
        input_events=tuple(str(name) for name in data["input_events"]),
        live_reconnect_seconds=float(data["live_reconnect_seconds"]),
        live_keepalive_seconds=float(data["live_keepalive_seconds"]),
    )
