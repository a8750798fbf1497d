"""A reader's cached snapshot (kiosco/subscriptions/snapshot.py) follows every change of
their plan, organisation or seat, and a change that touches many readers at once costs
one write, not one per reader."""

from __future__ import annotations

import pytest
from django.test import Client

from kiosco.subscriptions.models import Plan
from kiosco.subscriptions.services import lifecycle
from tests.support.caches import round_trips
from tests.support.personas import Personas, make_reader

pytestmark = pytest.mark.django_db


def front_page_of(reader: object) -> str:
    browser = Client()
    browser.force_login(reader)  # type: ignore[arg-type]
    return browser.get("/").content.decode()


def rename_premium(name: str) -> int:
    """Rename the plan as the admin would; the cache round trips the save cost."""
    plan = Plan.objects.get(code="premium")
    plan.name = name
    with round_trips() as sent:
        plan.save(update_fields=["name"])
    return sent[0]


def test_a_renamed_plan_shows_on_its_readers_next_page(
    production_cache: None, people: Personas
) -> None:
    assert "Premium" in front_page_of(people.bob)
    rename_premium("Premium Plus")
    assert "Premium Plus" in front_page_of(people.bob)
    assert "Premium Plus" in front_page_of(people.carol)  # on bob's second seat


def test_a_plan_saved_costs_the_same_however_many_read_on_it(
    production_cache: None, people: Personas
) -> None:
    premium = Plan.objects.get(code="premium")
    few = rename_premium("Premium 1")
    for n in range(6):
        lifecycle.start_subscription(premium, reader=make_reader(f"p{n}@example.com", None))
    assert rename_premium("Premium 2") == few


def test_admins_cleared_from_an_organisation_lose_its_link(
    production_cache: None, people: Personas
) -> None:
    assert 'href="/org/acme/"' in front_page_of(people.dave)
    people.acme.admins.clear()
    assert 'href="/org/acme/"' not in front_page_of(people.dave)
