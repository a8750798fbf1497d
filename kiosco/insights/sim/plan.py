"""The simulated population's plan: each account's people, their sessions (device,
pages, end; tabs left in view; screens that lock without telling) and pages rendered
unseen, drawn from ``population.toml``; and the ground truth (who shared, from when).
Pure Python; the account loop (``model.py``) plays the plan through the real engine."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from kiosco.insights.ladder import DAY

EPISODE_SECONDS = 10.0  # ground truth: two people reading overlapping by at least this
SHARER_EPISODES = 3  # ... this many times in some 7-day window


@dataclass
class Session:
    person: int
    device: str
    start: float
    pages: list[float]  # when each page is opened
    end: float
    linger_until: float = 0.0  # a tab left visible heartbeats (idle) until then
    releases: bool = True
    token: Any = None
    last_input: float = 0.0
    reading: bool = False
    self_blocked: bool = False  # shown the dialog because of this person's own device
    idle_due: float = -1.0  # when the page's release-after-idle timer fires


def plan_sessions(
    rng: random.Random, seg: dict[str, Any], cfg: dict[str, Any], days: int
) -> list[Session]:
    people = seg["people"] if isinstance(seg["people"], int) else rng.randint(*seg["people"])
    reading, client = cfg["reading"], cfg["client"]
    sessions: list[Session] = []
    for person in range(people):
        devices = [f"{person}-{name}" for name in seg["devices"]]
        for day in range(days):
            if rng.random() > reading["active_day"]:
                continue
            count = _poisson(rng, seg["sessions_per_day"])
            at = day * DAY + rng.uniform(7, 10) * 3600
            for index in range(count):
                device = devices[index % len(devices)] if len(devices) > 1 else devices[0]
                if index and rng.random() < seg.get("overlap", 0.0):
                    at = sessions[-1].start + 60  # the phone opened while the desk tab reads
                sessions.append(_session(rng, person, device, at, reading, client))
                at = sessions[-1].end + rng.uniform(*reading["handoff_gap_seconds"])
                at += rng.expovariate(1 / 3600) if index % 2 else 0.0
    return sorted(sessions, key=lambda s: s.start)


def _session(
    rng: random.Random,
    person: int,
    device: str,
    at: float,
    reading: dict[str, Any],
    client: dict[str, Any],
) -> Session:
    pages, t = [], at
    for _ in range(1 + _geometric(rng, reading["pages_per_session"] - 1)):
        pages.append(t)
        t += rng.expovariate(1 / reading["seconds_per_page"])
    session = Session(person, device, at, pages, t)
    session.releases = rng.random() >= client["locked_without_hide"]
    if not device.endswith("phone") and rng.random() < client["lingering_tab"]:
        session.linger_until = t + client["lingering_minutes"] * 60
    elif not session.releases:  # in view, untouched, until the screen locks
        session.linger_until = t + rng.uniform(*client["lock_after_seconds"])
    return session


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count, total = count + 1, total + rng.expovariate(1.0)
    return count


def _geometric(rng: random.Random, mean: float) -> int:
    count = 0
    while mean > 0 and rng.random() < mean / (mean + 1):
        count += 1
    return count


def plan_hidden_loads(
    rng: random.Random, sessions: list[Session], cfg: dict[str, Any], days: int
) -> list[tuple[float, int, str]]:
    """Pages rendered where nobody looks (a browser restoring its tabs, a link opened
    in a background tab of a computer left alone): (when, person, device). A page
    view asks ``check`` with idle 0 even when hidden; the page script then gives the
    slot back at once if it releases on hide (``release_on_hide``), else what it took
    stays until the idle limit (it never heartbeats while hidden)."""
    devices = sorted({(s.person, s.device) for s in sessions if not s.device.endswith("phone")})
    loads = []
    for person, device in devices:
        for day in range(days):
            for _ in range(_poisson(rng, cfg["client"]["hidden_loads_per_day"])):
                loads.append((day * DAY + rng.uniform(7, 23) * 3600, person, device))
    return sorted(loads)


def episodes_start(sessions: list[Session]) -> float | None:
    """Ground truth from the generator: when the account first had SHARER_EPISODES
    concurrent episodes (two people's reading overlapping by ≥ 10 s) within 7 days."""
    starts: list[float] = []
    for i, a in enumerate(sessions):
        for b in sessions[i + 1 :]:
            if b.start >= a.end:
                break
            if a.person != b.person and min(a.end, b.end) - b.start >= EPISODE_SECONDS:
                starts.append(b.start)
    starts.sort()
    for i in range(SHARER_EPISODES - 1, len(starts)):
        if starts[i] - starts[i - SHARER_EPISODES + 1] <= 7 * DAY:
            return starts[i]
    return None
