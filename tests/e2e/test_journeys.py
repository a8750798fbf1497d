"""The reader journeys, end to end in the real browser, once at a desktop size in
English and once on a 360 px phone in Spanish: every page fits, passes axe-core
(no serious or critical violation), shows each message once, and is screenshotted
under var/screenshots/."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kiosco.newsroom.models import Access, BlockKind, Section
from kiosco.subscriptions.catalogue import ensure_default_plans
from kiosco.subscriptions.demo import create_personas, make_reader
from kiosco.subscriptions.models import Subscription, TermsVersion
from tests.e2e.journeys import SIZES, Journey, emailed_link
from tests.newsroom.page_data import add_blocks, make_article
from tests.support.smtp import Inbox

PASSWORD = "correct horse battery"
SECRET = "The harbour master kept a second ledger."
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("size", list(SIZES)),
]


@pytest.fixture
def edition(settings: Any, insecure_cookies: None) -> str:
    """Terms, the shipped plans and one subscriber-only article; returns its path."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    ensure_default_plans()  # a flushed database (transaction=True) lost migration 0002's rows
    TermsVersion.objects.create(
        version="1",
        body="# Terms\n\nRead fairly.",
        body_es="# Condiciones",
        published_at=timezone.now(),
    )
    section = Section.objects.create(slug="port", name="Port", position=1)
    article = make_article(section, "second-ledger", access=Access.SUBSCRIBERS)
    add_blocks(article, [(BlockKind.PARAGRAPH, "", SECRET)])
    return article.get_absolute_url()


def _journey(new_context: Any, live_server: Any, size: str, who: str) -> Journey:
    options, locale = SIZES[size]
    page = new_context(**options, locale=locale).new_page()
    return Journey(page, f"{size}-{who}", live_server.url)


def _sign_in(journey: Journey, email: str) -> None:
    journey.go("/accounts/login/", "sign-in")
    _submit_sign_in(journey.page, email)


def _submit_sign_in(page: Page, email: str) -> None:
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")


def _sign_up(journey: Journey, email: str, inbox: Inbox) -> None:
    """On the sign-up page: create the account, confirm it from the email, signed in."""
    page = journey.page
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    journey.check("check-your-email")
    journey.go(emailed_link(inbox, email, "/confirm-email/"), "confirm-email")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".account-nav a[href='/accounts/logout/']").count() == 1  # signed in


def _reads(journey: Journey, article: str) -> None:
    journey.go(article, "article")
    assert journey.page.locator(".article-body").inner_text().strip().startswith(SECRET)
    # Leave the article inside the test: its page script's release beacon must be
    # answered before the database is flushed at teardown (else a deadlock on PostgreSQL).
    release = journey.page.expect_response("**/paywall/release/", timeout=3_000)
    with contextlib.suppress(PlaywrightTimeout), release:
        journey.page.goto(journey.url + "/terms/")


def test_a_visitor_signs_up_subscribes_and_reads(
    new_context,
    live_server,
    edition,
    smtp_server,
    size,
):
    reader = _journey(new_context, live_server, size, "visitor")
    page = reader.page
    reader.go("/", "front")
    reader.go("/no-such-page/", "not-found")
    reader.go("/", "front")
    page.click(".account-nav .nav-subscribe")
    reader.check("plans")
    page.click(".plan-digital .plan-action a")
    reader.check("sign-up")
    _sign_up(reader, "nora@example.com", smtp_server)
    assert page.url.endswith("/plans/")  # back where the reader was going
    reader.check("plans-signed-in")
    page.check(".plan-digital input[name=accept_terms]")
    page.click(".plan-digital button[type=submit]")
    reader.check("subscription")
    assert page.url.endswith("/subscription/") and page.locator(".message").count() == 1
    _reads(reader, edition)
    assert "nora@example.com" in str(smtp_server.wait_for(to="nora@example.com", count=2)["to"])


def test_a_premium_owner_invites_a_guest_who_reads_at_once(
    new_context,
    live_server,
    edition,
    smtp_server,
    size,
):
    create_personas(password=PASSWORD)
    owner = _journey(new_context, live_server, size, "owner")
    _sign_in(owner, "alice@example.com")
    owner.go("/subscription/", "subscription-digital")
    owner.page.click("a[href='/subscription/plan/premium/']")
    owner.check("confirm-upgrade")
    owner.page.click("main form button[type=submit]")
    owner.check("subscription-premium")
    # The personas' own "started" emails came first.
    assert "Premium" in str(smtp_server.wait_for(to="alice@example.com", count=2)["subject"])
    owner.page.fill("input[name=email]", "gina@example.com")
    owner.page.click("form.invite button[type=submit]")
    owner.check("invitation-sent")

    guest = _journey(new_context, live_server, size, "guest")
    invitation = emailed_link(smtp_server, "gina@example.com", "/invitations/")
    guest.go(invitation, "invitation")
    guest.page.click(".invitation .actions a.button >> nth=0")
    guest.check("sign-up-invited")
    _sign_up(guest, "gina@example.com", smtp_server)
    assert guest.page.url.endswith(invitation)
    guest.check("invitation-signed-in")
    guest.page.check("input[name=accept_terms]")  # the terms, asked here and only here
    guest.page.click(".invitation form button[type=submit]")
    guest.check("front-seated")
    assert guest.page.locator(".new-terms").count() == 0
    _reads(guest, edition)


def test_a_business_admin_buys_seats_and_a_member_reads(
    new_context,
    live_server,
    edition,
    smtp_server,
    size,
):
    make_reader("olga@initech.example", PASSWORD)
    make_reader("pablo@initech.example", PASSWORD, language="es")
    admin = _journey(new_context, live_server, size, "business-admin")
    _sign_in(admin, "olga@initech.example")
    admin.go("/plans/", "plans-business")
    card = admin.page.locator(".plan-business")
    card.locator("input[name=organisation_name]").fill("Initech")
    card.locator("input[name=seats]").fill("3")
    assert "24" in card.locator(".plan-total").inner_text()  # 3 seats at 8 EUR, live
    card.locator("input[name=accept_terms]").check()
    card.locator("button[type=submit]").click()
    admin.check("organisation")
    assert admin.page.locator(".seat form").count() == 0  # no "Remove" next to the admin
    admin.page.fill("form.seats-form input[name=seats]", "4")
    admin.page.click("form.seats-form button[type=submit]")
    admin.check("organisation-4-seats")
    assert Subscription.objects.get(organisation__name="Initech").seats == 4
    admin.page.fill("form.invite input[name=email]", "pablo@initech.example")
    admin.page.click("form.invite button[type=submit]")
    admin.check("organisation-invited")

    member = _journey(new_context, live_server, size, "member")
    invitation = emailed_link(smtp_server, "pablo@initech.example", "/invitations/")
    member.go(invitation, "invitation-business")
    member.page.click(".invitation .actions a.button.secondary")
    member.check("sign-in-invited")
    _submit_sign_in(member.page, "pablo@initech.example")
    member.page.check("input[name=accept_terms]")
    member.page.click(".invitation form button[type=submit]")
    member.check("front-member")
    _reads(member, edition)


def test_a_subscriber_downgrades_then_cancels_with_confirmations_and_emails(
    new_context,
    live_server,
    edition,
    smtp_server,
    size,
):
    create_personas(password=PASSWORD)
    bob = _journey(new_context, live_server, size, "downgrade-cancel")
    _sign_in(bob, "bob@example.com")
    bob.go("/subscription/", "subscription-premium-owner")
    bob.page.click("a[href='/subscription/plan/digital/']")
    bob.check("confirm-downgrade")
    bob.page.click("main form button[type=submit]")
    bob.check("downgrade-scheduled")
    assert bob.page.locator(".pending").count() == 1
    assert "scheduled" in str(smtp_server.wait_for(to="bob@example.com", count=2)["subject"])
    bob.page.click("a.cancel-link")
    bob.check("confirm-cancel")
    bob.page.click("main form button[type=submit]")
    bob.check("canceled")
    assert bob.page.locator(".canceled").count() == 1
    assert "canceled" in str(smtp_server.wait_for(to="bob@example.com", count=3)["subject"])
    _reads(bob, edition)  # canceled still reads to the end of the period
    bob.go("/account/", "account")
    assert bob.page.locator(".account-subscription").count() == 1
    bob.go("/accounts/password/change/", "password-change")  # allauth's own page, our style
