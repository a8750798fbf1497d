"""One simulated account: its people's sessions, driven through the real lease engine
(memory store, simulated clock), the real access decision (``paywall.decision``) and
the real ladder. Pure Python; one call per account, so accounts run on any worker.

The only model of client code is the page script's timing (``leases/timing.json``):
a page view asks ``check`` with idle 0; every heartbeat while visible asks ``check``
with the idle since the last input; hiding the page releases the lease (unless the
screen locked without telling); a lingering visible tab keeps heartbeating, idle; a
visible page with no input for ``release_after_idle_seconds`` frees its slot and asks
again at its next input; a visible page whose slot is taken hears it live and asks at
once, with its idle.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosco.insights.ladder import DAY, Facts, LadderPolicy, decide
from kiosco.insights.log import takeovers_from_rows
from kiosco.insights.sim.plan import Session, episodes_start, plan_hidden_loads, plan_sessions
from kiosco.leases.engine import Engine
from kiosco.leases.results import Acquired, Busy, Device, Held, Policy, Seat
from kiosco.leases.stores.memory import MemoryStore
from kiosco.leases.timing import Timing
from kiosco.paywall.decision import BUSY, DISPLACED, READING, state_of


@dataclass
class Outcome:
    segment: str
    dialogs: dict[str, int] = field(default_factory=dict)  # cause → count
    handoffs: list[tuple[float, bool]] = field(default_factory=list)  # (gap, challenged)
    notice_at: float | None = None
    sharer_at: float | None = None  # ground truth: when it became a concurrent sharer
    collisions: int = 0


class Account:
    """The event loop of one account over ``days``."""

    def __init__(
        self,
        segment: str,
        sessions: list[Session],
        rng: random.Random,
        cfg: dict[str, Any],
        timing: Timing,
        policy: Policy,
        ladder: LadderPolicy,
        release_on_hide: bool,
        hidden_loads: Sequence[tuple[float, int, str]] = (),
    ) -> None:
        self.now = 0.0
        self.store = MemoryStore(clock=lambda: self.now)
        self.engine = Engine(self.store, policy, sample=rng.random)
        self.seat, self.rng, self.cfg, self.timing = Seat(1), rng, cfg, timing
        self.ladder, self.release_on_hide = ladder, release_on_hide
        self.sessions = sessions
        self.hidden_loads = list(hidden_loads)
        self.hidden_since: dict[str, float] = {}  # device → when a hidden page took the slot
        self.by_device: dict[str, list[int]] = {}  # device → its sessions' indices
        for index, session in enumerate(sessions):
            self.by_device.setdefault(session.device, []).append(index)
        self.outcome = Outcome(segment, sharer_at=episodes_start(sessions))
        self.queue: list[tuple[float, int, str, int]] = []
        self.upgraded_at: float | None = None
        self.focus: dict[int, int] = {}  # person → the session they touch now (one screen)
        self._seq = 0

    def push(self, at: float, action: str, index: int) -> None:
        self._seq += 1
        heapq.heappush(self.queue, (at, self._seq, action, index))

    def run(self, days: int) -> Outcome:
        for index, session in enumerate(self.sessions):
            for at in session.pages:
                self.push(at, "page", index)
            self.push(session.end, "end", index)
        for index, (at, _, _) in enumerate(self.hidden_loads):
            self.push(at, "hidden_load", index)
        for day in range(1, days + 1):
            self.push(day * DAY - 1, "ladder", -1)
        while self.queue:
            self.now, _, action, index = heapq.heappop(self.queue)
            getattr(self, f"on_{action}")(index)
        self._handoffs()
        return self.outcome

    # --- the client ---------------------------------------------------------------
    def me(self, session: Session) -> Device:
        return Device(session.person, session.device, max(0.0, self.now - session.last_input))

    def on_page(self, index: int) -> None:
        session = self.sessions[index]
        if self.upgraded_at is not None and session.person > 0:
            return  # after an upgrade the others read on seats of their own
        if self._elsewhere(session, index):
            return  # this person has another screen in hand: this one waits
        was_reading = session.reading
        self._put_down(session.person, index)
        session.last_input, self.focus[session.person] = self.now, index
        self.answer(index, self.engine.check(self.seat, self.me(session), session.token))
        if session.reading and not was_reading:
            self.push(self.now + self.timing.heartbeat_seconds, "beat", index)
            self.watch_idle(index)

    def on_hidden_load(self, index: int) -> None:
        _, person, device = self.hidden_loads[index]
        if self.upgraded_at is not None and person > 0:
            return
        result = self.engine.check(self.seat, Device(person, device, 0.0))
        if not isinstance(result, Acquired):
            return
        if self.release_on_hide:  # the page script gives it back at once, as on hide
            self.engine.release(result.lease.token, "hidden")
        else:
            self.hidden_since[device] = self.now  # the memory store's clock: the claim's

    def _put_down(self, person: int, index: int) -> None:
        """Picking up another device mid-session: the screen in hand was last touched
        a few seconds before this one's first page (its idle at a takeover is that and
        the time to answer the dialog: what one person switching screens looks like)."""
        other = self.focus.get(person, index)
        if other != index and self.sessions[other].end > self.now:
            before = self.now - self.rng.uniform(*self.cfg["client"]["pick_up_seconds"])
            self.sessions[other].last_input = max(self.sessions[other].last_input, before)
            if self.sessions[other].reading:
                self.watch_idle(other)

    def _elsewhere(self, session: Session, index: int) -> bool:
        """A session's first page takes the person's focus (they picked that device
        up); later pages wait while another of their sessions has it."""
        other = self.focus.get(session.person, index)
        first = self.now == session.pages[0]
        return not first and other != index and self.sessions[other].end > self.now

    def on_beat(self, index: int) -> None:
        session = self.sessions[index]
        if not session.reading:
            return
        if not self._visible(session) and self.timing.heartbeat_only_while_visible:
            return
        self._report(index)
        if session.reading:
            self.push(self.now + self.timing.heartbeat_seconds, "beat", index)

    def on_changed(self, index: int) -> None:
        """The live stream told this page its slot was taken: a visible page asks at
        once, with its real idle (a locked screen or a hidden page hears nothing)."""
        session = self.sessions[index]
        if session.reading and self._visible(session):
            self._report(index)

    def _visible(self, session: Session) -> bool:
        return self.now < session.end or self.now < session.linger_until

    def _report(self, index: int) -> None:
        """One heartbeat's check. Still reading, with this person's screen in hand:
        some input since the last beat (one person touches one screen; a desk tab
        left in view gets none)."""
        session = self.sessions[index]
        if self.now < session.end and self.focus.get(session.person) == index:
            self._touched(session)
        self.answer(index, self.engine.check(self.seat, self.me(session), session.token))

    def _touched(self, session: Session) -> None:
        gap = self.cfg["client"]["input_every_seconds"]
        session.last_input = max(session.last_input, self.now - self.rng.uniform(0, gap))

    def on_end(self, index: int) -> None:
        session = self.sessions[index]
        if session.reading and self.focus.get(session.person) == index:
            self._touched(session)  # read until now
            self.watch_idle(index)
        if session.linger_until > self.now:  # still in view: it heartbeats, idle
            self.push(session.linger_until, "hide", index)
            return
        self.on_hide(index)

    def on_hide(self, index: int) -> None:
        """Put away: the page says hidden and frees its slot, or the screen locks
        without a word (the page's timers stop, its lease stays until judged)."""
        session = self.sessions[index]
        if session.reading and session.releases and self.release_on_hide:
            self.engine.release(session.token, "hidden")
        session.reading = False

    def watch_idle(self, index: int) -> None:
        """The page script's timer: a visible page frees its slot once it has had no
        input for ``release_after_idle_seconds`` (timing.json), and asks again at the
        next input (the next page here)."""
        after, session = self.timing.release_after_idle_seconds, self.sessions[index]
        if after > 0:
            session.idle_due = max(session.last_input + after, self.now)
            self.push(session.idle_due, "idle", index)

    def on_idle(self, index: int) -> None:
        session = self.sessions[index]
        if self.now != session.idle_due:
            return  # a timer the page set again since (one timer per page)
        if not session.reading or not self._visible(session):
            return  # released already, or a locked screen: its timers stopped
        if self.now < session.end and self.focus.get(session.person) == index:
            # Read in hand: input keeps coming (input_every_seconds). The timer counts
            # again from the last input once the person stops: ``on_end``, ``_put_down``.
            return
        # The timer's own sum: now - last_input can round below it and fire again at once.
        if self.now < session.last_input + self.timing.release_after_idle_seconds:
            self.watch_idle(index)
            return
        self.engine.release(session.token, "idle")
        session.reading = False

    def answer(self, index: int, result: Any) -> None:
        """The real access decision's state, and how the person answers a dialog."""
        session, state = self.sessions[index], state_of(result)
        if state == READING:
            session.reading, session.token = True, result.lease.token
            return
        session.reading = False
        if state not in (BUSY, DISPLACED) or self.now >= session.end:
            return
        if self.focus.get(session.person) != index:
            return  # a screen nobody holds shows the dialog to nobody
        if state == BUSY:
            self.count_dialog(session, result)
        if self.rng.random() < self.cfg["client"]["continue_from_dialog"]:
            answer = self.rng.uniform(*self.cfg["client"]["dialog_seconds"])
            self.push(self.now + answer, "continue", index)

    def on_continue(self, index: int) -> None:
        """The person pressed "continue reading here" (if the dialog is still theirs)."""
        session = self.sessions[index]
        if session.reading or self.now >= session.end or self.focus.get(session.person) != index:
            return
        session.last_input = self.now  # the press is input
        taken = self.engine.take_over(self.seat, self.me(session), session.token)
        if state_of(taken) == READING and isinstance(taken, Held | Acquired):
            session.reading, session.token = True, taken.lease.token
            self.push(self.now + self.timing.heartbeat_seconds, "beat", index)
            self.watch_idle(index)
            self.tell_displaced(taken)

    def tell_displaced(self, taken: Held | Acquired) -> None:
        """The live stream's "changed" reaches the displaced page a moment later."""
        if not isinstance(taken, Acquired) or taken.replaced is None:
            return
        delay = self.cfg["client"]["live_delay_seconds"]
        for other in self.by_device.get(taken.replaced.device, ()):
            if self.sessions[other].reading:
                self.push(self.now + delay, "changed", other)

    def count_dialog(self, session: Session, busy: Busy) -> None:
        session.self_blocked |= busy.holder.device.startswith(f"{session.person}-")
        on_holder = (self.sessions[i] for i in self.by_device.get(busy.holder.device, ()))
        holder = next((s for s in on_holder if s.reading), None)
        if holder is None and self.hidden_since.get(busy.holder.device) == busy.since:
            cause = "hidden load"
        elif holder is None or holder.start > self.now:
            cause = "unreleased lease"
        elif holder.end > self.now:
            cause = "simultaneous reading"
        elif holder.linger_until > self.now and holder.releases:
            cause = "lingering tab"
        else:
            cause = "unreleased lease"  # a screen locked without telling, or about to
        self.outcome.dialogs[cause] = self.outcome.dialogs.get(cause, 0) + 1

    # --- the ladder, once a simulated day ------------------------------------------------
    def on_ladder(self, index: int) -> None:
        rows = [event.__dict__ for event in self.store.events]
        facts = Facts(self.now, takeovers_from_rows(rows), upgraded_at=self.upgraded_at)
        decision = decide(facts, self.ladder)
        if decision.notice and self.outcome.notice_at is None:
            self.outcome.notice_at = decision.since
            self.outcome.collisions = len(decision.counted)
        people = len({s.person for s in self.sessions})
        upgrade = self.cfg["client"]["upgrade_after_notice"]
        if decision.notice and people > 1 and self.rng.random() < upgrade:
            self.upgraded_at = self.now

    def _handoffs(self) -> None:
        """One person moving from one device to the next: was the next one challenged?"""
        last: dict[int, Session] = {}
        for session in self.sessions:
            before = last.get(session.person)
            if before is not None and before.device != session.device:
                gap = session.start - before.end
                self.outcome.handoffs.append((gap, session.self_blocked))
            last[session.person] = session


def simulate(
    seed: int,
    index: int,
    segment: str,
    cfg: dict[str, Any],
    timing: Timing,
    policy: Policy,
    ladder: LadderPolicy,
    release_on_hide: bool,
    days: int,
) -> Outcome:
    rng = random.Random(f"{seed}:{index}")  # per account: identical on any number of workers
    sessions = plan_sessions(rng, cfg["segments"][segment], cfg, days)
    # Their own stream, so the rest of the account draws the same with or without them.
    hidden = plan_hidden_loads(random.Random(f"{seed}:{index}:hidden"), sessions, cfg, days)
    account = Account(segment, sessions, rng, cfg, timing, policy, ladder, release_on_hide, hidden)
    return account.run(days)
