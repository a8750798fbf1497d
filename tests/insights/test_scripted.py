"""Scripted readers through the real engine, access decision and ladder (the
simulator's own account loop, with sessions written by hand)."""

from __future__ import annotations

import random

from kiosco.insights.ladder import DAY, LadderPolicy
from kiosco.insights.sim.model import Account
from kiosco.insights.sim.plan import Session
from kiosco.insights.sim.run import load_config, run
from kiosco.leases.results import Policy
from kiosco.leases.timing import timing

HOUR = 3600.0


def account(sessions: list[Session], *, answers: float = 1.0) -> Account:
    cfg = load_config()
    cfg["client"].update(continue_from_dialog=answers, upgrade_after_notice=0.0)
    return Account(
        "scripted", sessions, random.Random(1), cfg, timing(), Policy(), LadderPolicy(), True
    )


def reading(person: int, device: str, start: float, minutes: float) -> Session:
    pages = [start + minute * 60 for minute in range(int(minutes))]
    return Session(person, f"{person}-{device}", start, pages, start + minutes * 60)


def test_a_phone_to_laptop_hand_off_gives_no_dialog():
    phone = reading(0, "phone", 8 * HOUR, 20)
    laptop = reading(0, "laptop", phone.end + 12, 30)  # a 12 s gap, and the phone hidden
    outcome = account([phone, laptop]).run(days=1)
    assert outcome.dialogs == {}
    assert outcome.handoffs == [(12.0, False)]


def test_a_couple_alternating_every_day_is_flagged_at_its_third_contested_collision():
    sessions = []
    for day in range(5):  # she reads; he opens the same login 5 minutes later
        start = day * DAY + 8 * HOUR
        sessions += [reading(0, "phone", start, 20), reading(1, "laptop", start + 300, 20)]
    outcome = account(sessions).run(days=5)
    assert outcome.notice_at is not None
    assert 2 * DAY < outcome.notice_at < 3 * DAY  # the third day's collision
    assert outcome.collisions == 3


def test_a_ci_smoke_run_of_the_simulator_is_the_same_on_one_or_two_workers():
    one = run(200, 7, workers=1, progress=False)
    two = run(200, 7, workers=2, progress=False)
    assert one == two
    segments = {outcome.segment for outcome in one}
    assert {"one_device", "sequential", "couple", "wide"} <= segments
    assert not any(o.dialogs for o in one if o.segment == "one_device")


def test_a_desk_tab_left_in_view_frees_the_reading_for_the_phone():
    desk = reading(0, "work", 9 * HOUR + 0.123456789, 20)
    desk.linger_until = desk.end + 45 * 60  # left in view, untouched
    idle = timing().release_after_idle_seconds
    phone = reading(0, "phone", desk.end + idle + 5, 10)
    outcome = account([desk, phone]).run(days=1)
    assert outcome.dialogs == {}
    assert outcome.handoffs == [(phone.start - desk.end, False)]


def test_a_page_rendered_unseen_keeps_the_reading_only_if_the_page_never_releases():
    phone = reading(0, "phone", 8 * HOUR, 10)
    restored = [(phone.start - 20, 0, "0-laptop")]  # the laptop restored its tabs, unseen
    cfg = load_config()
    cfg["client"].update(continue_from_dialog=1.0, upgrade_after_notice=0.0)
    for releases, dialogs in ((True, {}), (False, {"hidden load": 1})):
        scripted = Account(
            "scripted",
            [reading(0, "phone", 8 * HOUR, 10)],
            random.Random(1),
            cfg,
            timing(),
            Policy(),
            LadderPolicy(),
            releases,
            restored,
        )
        assert scripted.run(days=1).dialogs == dialogs
