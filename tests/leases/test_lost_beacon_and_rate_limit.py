"""Scripted cases the stateful test reaches only by luck: a device put away whose
release beacon never arrived, and the takeover rate limit's window boundary.
Each runs on the memory store and on the SQL store of this pass's database."""

from __future__ import annotations

from kiosco.leases.engine import Acquired, Busy, Device, Held, Refused, Seat
from tests.leases.conftest import Lab, new_seat_id

TTL, IDLE, POLL = 180.0, 180.0, 10.0


def test_it_lets_the_next_device_in_within_the_idle_limit_when_the_beacon_is_lost(
    lab: Lab,
) -> None:
    engine, seat = lab.engine(ttl=TTL, idle=IDLE), Seat(new_seat_id())
    # The phone reads: heartbeats with fresh input for a minute, then it is put away
    # and its page's release never reaches us. Its last input: t = 60.
    assert isinstance(engine.check(seat, Device(1, "phone", idle=0)), Acquired)
    for _ in range(2):
        lab.advance(30)
        assert isinstance(engine.check(seat, Device(1, "phone", idle=0)), Held)
    last_input = 60.0
    lab.advance(10)  # t = 70: the laptop is opened and polls, its reader at it
    t, acquired_at, answers = 70.0, None, []
    while t <= last_input + IDLE + 5 * POLL:
        result = engine.check(seat, Device(1, "laptop", idle=0))
        answers.append((t, type(result).__name__))
        if acquired_at is None and isinstance(result, Acquired):
            acquired_at = t
        if acquired_at is not None:
            assert isinstance(result, Acquired | Held), answers  # never Busy after it
        else:
            assert isinstance(result, Busy), answers
        lab.advance(POLL)
        t += POLL
    # It waited at most the idle limit (plus one poll), counted from the phone's last
    # input; and not less than the phone's lease lived: renewed last at t = 0 (a
    # renewal comes only once half the TTL is gone), it lapses at t = TTL, and a
    # lapsed slot is free (issue 5: "a free, lapsed or stale slot is acquired
    # silently"), whatever input the phone reported before it went away.
    assert acquired_at is not None, answers
    assert TTL <= acquired_at <= last_input + IDLE + POLL, answers
    # The phone, picked up again much later, does not get the slot back silently.
    assert not isinstance(engine.check(seat, Device(1, "phone", idle=200)), Acquired)


def test_it_refuses_the_seventh_takeover_in_the_window_and_allows_one_after_it(
    lab: Lab,
) -> None:
    engine = lab.engine(ttl=180.0, idle=180.0, takeovers=6, takeover_window=600.0)
    seat, a, b = Seat(new_seat_id()), Device(1, "a", idle=0), Device(1, "b", idle=0)
    assert isinstance(engine.check(seat, a), Acquired)
    holder = a
    for n in range(6):  # t = 10 … 60: six explicit takeovers, each allowed
        lab.advance(10)
        taker = b if holder is a else a
        result = engine.take_over(seat, taker)
        assert isinstance(result, Acquired) and result.took_over, (n, result)
        assert result.replaced is not None and result.replaced.device == holder.device
        holder = taker
    lab.advance(10)  # t = 70: the seventh within 10 minutes
    loser = b if holder is a else a
    assert engine.take_over(seat, loser) == Refused("rate_limited")
    # The holder keeps reading (heartbeats with input) until just before the first
    # takeover (t = 10) leaves the window: still refused at t = 609.
    for _ in range(8):  # t = 130 … 550
        lab.advance(60)
        assert isinstance(engine.check(seat, holder), Held)
    lab.advance(59)  # t = 609
    assert isinstance(engine.check(seat, holder), Held)
    assert engine.take_over(seat, loser) == Refused("rate_limited")
    lab.advance(2)  # t = 611: the takeover of t = 10 has left the window
    result = engine.take_over(seat, loser)
    assert isinstance(result, Acquired) and result.took_over, result
    assert result.replaced is not None and result.replaced.device == holder.device
