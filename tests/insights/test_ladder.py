"""The ladder's rules, as a reader would meet them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosco.insights.ladder import ANY, DAY, Facts, LadderPolicy, Takeover, decide

HOUR = 3600.0


def collision(day: float, idle: float = 5.0) -> Takeover:
    return Takeover(day * DAY, idle, "phone", "laptop")


def test_it_turns_the_notice_on_at_the_third_contested_collision_in_a_week():
    three = [collision(0), collision(1), collision(2)]
    assert not decide(Facts(2 * DAY - 1, three[:2])).notice
    decision = decide(Facts(2 * DAY + 1, three))
    assert decision.notice
    assert decision.counted == tuple(three)
    assert decision.reasons == ("on:3_contested_collisions_within_7_days",)


def test_it_never_counts_a_takeover_of_an_idle_device():
    idle_ones = [collision(day, idle=45) for day in range(6)]
    assert not decide(Facts(6 * DAY, idle_ones)).notice
    assert decide(Facts(6 * DAY, idle_ones), LadderPolicy(counting=ANY)).notice


def test_it_counts_one_argument_over_the_screen_as_one_collision():
    ping_pong = [Takeover(minute * 60.0, 2.0, "a", "b") for minute in range(5)]
    assert not decide(Facts(HOUR, ping_pong)).notice


def test_three_collisions_spread_over_more_than_a_week_never_turn_it_on():
    assert not decide(Facts(20 * DAY, [collision(0), collision(4), collision(8)])).notice


def test_it_clears_after_an_upgrade_a_password_change_or_fourteen_quiet_days():
    three = [collision(0), collision(1), collision(2)]
    upgraded = decide(Facts(3 * DAY, three, upgraded_at=2.5 * DAY))
    password = decide(Facts(3 * DAY, three, password_changed_at=2.5 * DAY))
    assert (upgraded.notice, upgraded.reasons) == (False, ("cleared:upgraded",))
    assert (password.notice, password.reasons) == (False, ("cleared:password_changed",))
    assert decide(Facts(16 * DAY - 1, three)).notice
    quiet = decide(Facts(16 * DAY, three))
    assert (quiet.notice, quiet.reasons) == (False, ("cleared:quiet_14_days",))


def test_sharing_after_a_password_change_needs_three_new_collisions():
    before = [collision(0), collision(1), collision(2)]
    after = [collision(3), collision(4)]
    facts = Facts(4.5 * DAY, before + after, password_changed_at=2.5 * DAY)
    assert not decide(facts).notice
    assert decide(
        Facts(5.5 * DAY, [*before, *after, collision(5)], password_changed_at=2.5 * DAY)
    ).notice


@given(st.lists(st.tuples(st.floats(0, 30), st.floats(0, 600)), max_size=30))
def test_the_notice_always_shows_the_collisions_that_turned_it_on(raw):
    takeovers = [Takeover(day * DAY, idle, "a", "b") for day, idle in raw]
    decision = decide(Facts(31 * DAY, takeovers))
    policy = LadderPolicy()
    if decision.notice:
        assert len(decision.counted) >= policy.collisions
        assert all(
            t.idle_of_displaced is not None and t.idle_of_displaced <= policy.contested_idle
            for t in decision.counted
        )
        assert decision.until is not None and decision.until > 31 * DAY
    else:
        assert decision.counted == ()


def test_overlaps_between_other_pairs_of_devices_are_other_collisions():
    # She reads on her phone while he opens his; then his laptop; then hers: 3 overlaps.
    morning = [
        Takeover(0.0, 2.0, "his-phone", "her-phone"),
        Takeover(5 * 60.0, 2.0, "his-laptop", "her-phone"),
        Takeover(9 * 60.0, 2.0, "her-laptop", "his-laptop"),
    ]
    assert decide(Facts(HOUR, morning)).notice
