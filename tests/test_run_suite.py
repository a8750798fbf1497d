"""`make test` (tests/run_suite.py) draws the same Hypothesis examples on every run."""

from __future__ import annotations

import os

from hypothesis import settings

from tests.run_suite import suite_environment


def test_it_runs_hypothesis_derandomised_by_default() -> None:
    environment = suite_environment({}, postgres_url="postgresql://pg", redis_url="redis://r")
    assert environment["HYPOTHESIS_PROFILE"] == "ci"
    assert settings.get_profile("ci").derandomize


def test_a_developer_can_still_explore_at_random() -> None:
    mine = {"HYPOTHESIS_PROFILE": "dev"}
    environment = suite_environment(mine, postgres_url="postgresql://pg", redis_url="redis://r")
    assert environment["HYPOTHESIS_PROFILE"] == "dev"
    assert not settings.get_profile("dev").derandomize


def test_this_run_uses_the_profile_it_was_given() -> None:
    # Under `make test` (or a bare pytest) that is ``ci``: every test's settings,
    # the stateful machines' explicit ones included, inherit derandomize from it.
    wanted = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    assert settings.get_current_profile_name() == wanted
    assert settings().derandomize == (wanted == "ci")
