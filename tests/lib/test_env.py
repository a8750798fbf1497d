import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from kiosco.lib.env import env_bool, env_choice, env_float, env_int, env_list, env_str


def test_it_reads_booleans_in_the_usual_spellings():
    assert env_bool("X", False, {"X": "yes"}) is True
    assert env_bool("X", True, {"X": "0"}) is False
    assert env_bool("X", True, {}) is True


def test_it_refuses_a_boolean_it_cannot_read():
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X", False, {"X": "maybe"})


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_it_reads_any_integer_back(number):
    assert env_int("N", 0, {"N": f" {number} "}) == number


def test_it_refuses_a_non_integer_and_one_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 1, {"N": "ten"})
    with pytest.raises(ImproperlyConfigured, match="at least 10"):
        env_int("N", 10, {"N": "3"}, minimum=10)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_it_reads_any_finite_number_back(number):
    assert env_float("F", 0.0, {"F": f" {number!r} "}) == number


@pytest.mark.parametrize(
    ("raw", "message"),
    [("soon", "a number"), ("nan", "finite"), ("inf", "finite"), ("-0.5", "at least 0")],
)
def test_it_refuses_a_number_it_cannot_use(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env_float("F", 1.0, {"F": raw}, minimum=0.0)


def test_it_splits_lists_and_drops_empty_items():
    assert env_list("L", ["a"], {"L": "example.org, ,news.example.org,"}) == [
        "example.org",
        "news.example.org",
    ]
    assert env_list("L", ["a"], {}) == ["a"]


def test_it_refuses_a_choice_outside_the_list():
    assert env_choice("C", "demo", ("demo", "stripe"), {"C": "stripe"}) == "stripe"
    with pytest.raises(ImproperlyConfigured, match="one of demo, stripe"):
        env_choice("C", "demo", ("demo", "stripe"), {"C": "paypal"})
    assert env_str("S", "d", {}) == "d"
