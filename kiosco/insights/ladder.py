"""The sharing ladder: when a seat's takeovers become the persistent sharing notice.

Pure Python, no Django: the site (``services.py``) and the simulator (``sim/``) hand
it the same plain facts and get the same decision.

A *contested collision* is a takeover whose displaced holder had input within the
last ``contested_idle`` seconds (8): one person watches one screen, so two screens both
being touched means two people. A reader moving from their own idle phone to their
laptop displaces nobody active, so it never counts. ``collisions`` contested
collisions inside ``window`` seconds turn the notice on; it stays on until the
reader upgrades, changes the password, or ``quiet`` seconds pass with no contested
collision. Every value lives in :class:`LadderPolicy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

DAY = 24 * 60 * 60.0
CONTESTED = "contested"  # count only takeovers of a holder with recent input
ANY = "any"  # count every takeover (an ablation: what a naive ladder would do)


@dataclass(frozen=True)
class LadderPolicy:
    # Seconds: the displaced holder touched it this recently. Less than one person needs
    # to put one screen down, pick up another and answer its dialog (the simulator's
    # pick_up_seconds + dialog_seconds, 5 s at the least): 30 s flagged 77 % of readers
    # with a desk tab and a phone once the displaced device's own report made idle exact.
    contested_idle: float = 8.0
    collisions: int = 3  # K: contested collisions ...
    window: float = 7 * DAY  # ... inside this window turn the notice on
    quiet: float = 14 * DAY  # this long with no contested collision turns it off
    counting: str = CONTESTED  # or ANY
    # One argument over the screen — two people pressing "continue" back and forth —
    # is one collision: a chain of counted ones between the same two devices, each
    # closer than this to the last, merges (the simulator showed a single overlap
    # reaching K on its own without it). Longer than the engine's takeover window
    # (10 min): an argument the rate limit paused resumes after it, the same argument.
    merge: float = 15 * 60.0


DEFAULT = LadderPolicy()


@dataclass(frozen=True)
class Takeover:
    """One ``taken_over`` line: when, how idle the displaced holder was, which devices
    (the taker's and the displaced one's ids, as the log names them)."""

    at: float
    idle_of_displaced: float | None
    device: str
    from_device: str


@dataclass(frozen=True)
class Facts:
    """What the ladder knows of one seat at ``now``."""

    now: float
    takeovers: Sequence[Takeover] = ()
    upgraded_at: float | None = None  # the plan moved to one made for sharing
    password_changed_at: float | None = None


@dataclass(frozen=True)
class Decision:
    notice: bool
    reasons: tuple[str, ...]
    counted: tuple[Takeover, ...] = field(default=())  # the collisions behind the notice
    since: float | None = None  # when the notice turned on
    until: float | None = None  # when it clears by itself unless another collision counts


def counts(takeover: Takeover, policy: LadderPolicy) -> bool:
    if policy.counting == ANY:
        return True
    idle = takeover.idle_of_displaced
    return idle is not None and idle <= policy.contested_idle


def decide(facts: Facts, policy: LadderPolicy = DEFAULT) -> Decision:
    """The notice's state at ``facts.now``, with the reasons a reader (and the event
    log) is told. Only collisions after the latest upgrade or password change count:
    either one is the reader's answer to the notice."""
    reset_at, reset_reason = _latest_reset(facts)
    counted = _merged(
        sorted(
            (t for t in facts.takeovers if counts(t, policy) and reset_at < t.at <= facts.now),
            key=lambda t: t.at,
        ),
        policy.merge,
    )
    on: list[Takeover] = []  # the collisions of the current notice, if one is on
    for index, takeover in enumerate(counted):
        if on and takeover.at - on[-1].at >= policy.quiet:
            on = []  # it had cleared by quiet time before this collision
        if on:
            on.append(takeover)
            continue
        recent = [t for t in counted[: index + 1] if t.at > takeover.at - policy.window]
        if len(recent) >= policy.collisions:
            on = recent
    if on and facts.now - on[-1].at < policy.quiet:
        return _on(on, policy)
    return _off(on, policy, reset_reason, counted)


def _merged(takeovers: list[Takeover], merge: float) -> list[Takeover]:
    """One per episode: a takeover between the same two devices within ``merge``
    seconds of the previous one continues the same argument over the screen (a chain
    of them counts once); another pair of devices is another overlap."""
    kept: list[Takeover] = []
    previous: dict[frozenset[str], float] = {}
    for takeover in takeovers:
        pair = frozenset((takeover.device, takeover.from_device))
        if takeover.at - previous.get(pair, float("-inf")) >= merge:
            kept.append(takeover)
        previous[pair] = takeover.at
    return kept


def _latest_reset(facts: Facts) -> tuple[float, str]:
    candidates = [
        (facts.upgraded_at, "cleared:upgraded"),
        (facts.password_changed_at, "cleared:password_changed"),
    ]
    present = [(at, why) for at, why in candidates if at is not None and at <= facts.now]
    return max(present, default=(float("-inf"), ""))


def _on(on: list[Takeover], policy: LadderPolicy) -> Decision:
    reason = f"on:{len(on)}_{policy.counting}_collisions_within_{_days(policy.window)}_days"
    return Decision(
        True,
        (reason,),
        tuple(on),
        since=on[policy.collisions - 1].at,
        until=on[-1].at + policy.quiet,
    )


def _off(
    on: list[Takeover], policy: LadderPolicy, reset_reason: str, counted: list[Takeover]
) -> Decision:
    if on:
        return Decision(False, (f"cleared:quiet_{_days(policy.quiet)}_days",))
    if reset_reason and not counted:
        return Decision(False, (reset_reason,))
    return Decision(False, (f"off:{len(counted)}_{policy.counting}_collisions",))


def _days(seconds: float) -> str:
    return f"{seconds / DAY:g}"
