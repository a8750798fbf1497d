"""Reading the lease log: a takeover's displaced device, as idle as it says it was."""

from __future__ import annotations

from typing import Any

from kiosco.insights.log import report_within, takeovers_from_rows

WITHIN = 75.0


def row(
    kind: str, at: float, idle: float | None, generation: int, device: str, by: str
) -> dict[str, Any]:
    return dict(
        kind=kind,
        at=at,
        seat=1,
        slot=0,
        generation=generation,
        idle_of_displaced=idle,
        device=device,
        from_device=by,
    )


def takeover(at: float, idle: float | None, generation: int = 7) -> dict[str, Any]:
    return row("taken_over", at, idle, generation, device="phone", by="laptop")


def displaced(
    at: float, idle: float, generation: int = 7, device: str = "laptop"
) -> dict[str, Any]:
    return row("displaced", at, idle, generation, device=device, by="phone")


def idle_of(*rows: dict[str, Any]) -> float | None:
    [found] = takeovers_from_rows(rows, WITHIN)
    return found.idle_of_displaced


def test_it_keeps_the_stored_idle_when_the_displaced_device_never_reports():
    assert idle_of(takeover(100.0, 95.0)) == 95.0


def test_the_displaced_devices_own_report_makes_a_takeover_contested():
    # The store saved the laptop's input 95 s before; the laptop, told at once, says 6 s.
    assert idle_of(takeover(100.0, 95.0), displaced(101.0, 6.0)) == 5.0


def test_it_never_makes_a_takeover_look_idler_than_the_store_saw_it():
    assert idle_of(takeover(100.0, 4.0), displaced(110.0, 50.0)) == 4.0


def test_it_ignores_a_report_that_comes_too_late():
    assert idle_of(takeover(100.0, 95.0), displaced(100.0 + WITHIN + 1, 80.0)) == 95.0


def test_it_ignores_a_report_of_another_generation_or_device():
    assert idle_of(takeover(100.0, 95.0), displaced(101.0, 6.0, generation=8)) == 95.0
    assert idle_of(takeover(100.0, 95.0), displaced(101.0, 6.0, device="tablet")) == 95.0


def test_it_ignores_input_after_the_takeover_which_says_nothing_of_before():
    # A page view 20 s after the takeover reports idle 0: the reader came back to it.
    assert idle_of(takeover(100.0, 95.0), displaced(120.0, 0.0)) == 95.0


def test_only_the_first_report_of_an_episode_counts():
    rows = (takeover(100.0, 95.0), displaced(150.0, 70.0), displaced(101.0, 60.0))
    assert idle_of(*rows) == 59.0


def test_a_report_may_come_as_late_as_the_next_heartbeat():
    assert report_within(60.0) > 60.0
