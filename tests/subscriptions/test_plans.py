from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone, translation

from kiosco.readers.models import SecurityEvent
from kiosco.subscriptions.billing.demo import DemoBilling
from kiosco.subscriptions.events import SubscriptionTag
from kiosco.subscriptions.models import (
    Organisation,
    Plan,
    Seat,
    Subscription,
    TermsAcceptance,
    TermsVersion,
)
from kiosco.subscriptions.services import entitlements_for, lifecycle
from tests.support.leases import holders, read_on
from tests.support.personas import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms_v1(db):
    return TermsVersion.objects.create(
        version="1", body="# Terms\n\nBe kind.", published_at=timezone.now()
    )


def test_it_compares_the_plans_in_english_and_spanish(client, db):
    english = client.get("/plans/").content.decode()
    assert all(name in english for name in ("Digital", "Premium", "Business", "TEST MODE"))
    assert "A second reader, who signs in with their own email" in english
    assert "in the app" not in english  # nothing sold that is not built
    spanish = client.get("/plans/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Empresas" in spanish and "Un segundo lector" in spanish
    assert "MODO DE PRUEBA" in spanish


def test_it_subscribes_a_verified_reader_who_accepts_the_terms(client, erin, terms_v1):
    client.force_login(erin)
    response = client.post(
        "/plans/digital/subscribe/", {"accept_terms": "on", "terms_version": terms_v1.pk}
    )
    assert response.status_code == 302 and response.url == "/subscription/"
    assert entitlements_for(erin).plan_code == "digital"
    assert TermsAcceptance.objects.filter(reader=erin, version=terms_v1).exists()


def test_it_requires_the_current_terms(client, erin, terms_v1):
    client.force_login(erin)
    response = client.post("/plans/digital/subscribe/", {"terms_version": terms_v1.pk}, follow=True)
    assert "accept the current terms" in response.content.decode()
    stale = client.post(
        "/plans/digital/subscribe/", {"accept_terms": "on", "terms_version": terms_v1.pk + 99}
    )
    assert stale.status_code == 302
    assert not Subscription.objects.filter(owner_reader=erin).exists()


def test_it_requires_a_verified_email(client, erin):
    EmailAddress.objects.filter(user=erin).update(verified=False)
    client.force_login(erin)
    response = client.post("/plans/digital/subscribe/", {}, follow=True)
    assert "Verify your email address" in response.content.decode()
    assert not Subscription.objects.exists()


def test_it_sends_an_anonymous_subscriber_to_sign_in(client, db):
    response = client.post("/plans/digital/subscribe/", {})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_it_refuses_a_second_subscription_to_a_seated_reader(client, people):
    client.force_login(people.carol)
    response = client.post("/plans/digital/subscribe/", {}, follow=True)
    assert "already read on a subscription" in response.content.decode()


def test_it_starts_a_business_subscription_with_chosen_seats(client, erin):
    client.force_login(erin)
    response = client.post(
        "/plans/business/subscribe/", {"organisation_name": "Initech", "seats": "12"}
    )
    organisation = Organisation.objects.get(name="Initech")
    assert response.url == f"/org/{organisation.slug}/"
    subscription = Subscription.objects.get(organisation=organisation)
    assert subscription.seats == 12 and entitlements_for(erin).organisation_name == "Initech"


def test_it_upgrades_digital_to_premium_in_place(client, people):
    before = Subscription.objects.get(owner_reader=people.alice)
    client.force_login(people.alice)
    client.post("/subscription/plan/", {"plan": "premium"})
    after = Subscription.objects.get(owner_reader=people.alice)
    assert after.pk == before.pk and after.plan.code == "premium"
    assert Seat.objects.filter(subscription=after).count() == 2
    assert b"Send invitation" in client.get("/subscription/").content


def test_it_downgrades_at_the_period_end_and_tells_the_extra_reader(
    client, people, django_capture_on_commit_callbacks
):
    carol_seat = Seat.objects.get(holder=people.carol).pk
    read_on(Seat.objects.get(pk=carol_seat), people.carol)
    client.force_login(people.bob)
    client.post("/subscription/plan/", {"plan": "digital"})
    assert entitlements_for(people.carol).can_read_subscriber_content  # until the period ends
    end = Subscription.objects.get(owner_reader=people.bob).current_period_end
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.roll_over_periods(now=end + timedelta(minutes=1)) >= 1
    subscription = Subscription.objects.get(owner_reader=people.bob)
    assert subscription.plan.code == "digital" and subscription.status == "active"
    assert not entitlements_for(people.carol).can_read_subscriber_content
    assert not Seat.objects.filter(pk=carol_seat).exists()
    assert holders(carol_seat) == []  # her device's lease slot is free
    assert mail.outbox[-1].to == ["carol@example.com"]
    # carol's language is Spanish
    assert "menos puestos" in mail.outbox[-1].body


def test_it_cancels_to_the_period_end_then_expires(client, people):
    client.force_login(people.alice)
    client.post("/subscription/cancel/")
    subscription = Subscription.objects.get(owner_reader=people.alice)
    assert (
        subscription.status == "canceled"
        and entitlements_for(people.alice).can_read_subscriber_content
    )
    lifecycle.roll_over_periods(now=subscription.current_period_end + timedelta(seconds=1))
    subscription.refresh_from_db()
    assert (
        subscription.status == "expired"
        and not entitlements_for(people.alice).can_read_subscriber_content
    )
    assert not Seat.objects.filter(holder=people.alice).exists()


def test_it_expires_past_due_after_the_grace_period(people):
    subscription = Subscription.objects.get(owner_reader=people.alice)
    now = timezone.now()
    lifecycle.mark_past_due(subscription, now)
    lifecycle.roll_over_periods(now=now + timedelta(days=8))
    subscription.refresh_from_db()
    assert subscription.status == "expired"


def test_it_shows_the_member_which_organisation_gives_access(client, people):
    client.force_login(people.dave)
    spanish = client.get("/subscription/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Acme Corporation" in spanish


def test_it_refuses_get_on_state_changing_urls(client, people):
    client.force_login(people.bob)
    for url in (
        "/subscription/invite/",
        "/subscription/cancel/",
        "/subscription/plan/",
        "/plans/digital/subscribe/",
    ):
        assert client.get(url).status_code == 405, url


def test_it_needs_csrf_on_forms(people):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.alice)
    assert strict.post("/subscription/cancel/").status_code == 403


def test_it_translates_plan_fields(db):
    plan = Plan.objects.get(code="business")
    with translation.override("es"):
        assert plan.display_name == "Empresas"
    assert plan.display_name == "Business"


def test_it_rolls_periods_from_the_command(people):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("roll_subscriptions", stdout=out)
    assert "0 subscriptions rolled over" in out.getvalue()


def test_it_offers_each_reader_the_right_way_to_share(client, people, erin):
    client.force_login(people.alice)
    page = client.get("/subscription/upgrade/")
    assert b"Upgrade to Premium" in page.content and b"/subscription/plan/premium/" in page.content
    client.force_login(people.dave)
    assert client.get("/subscription/upgrade/").url == "/org/acme/#seats"
    client.force_login(people.bob)
    assert (
        b"Invite them from your subscription page" in client.get("/subscription/upgrade/").content
    )
    client.force_login(erin)
    assert client.get("/subscription/upgrade/").url == "/plans/"


def test_it_tells_an_organisation_member_to_ask_an_admin(client, people):
    from kiosco.subscriptions.services import seats

    member = make_reader("mia@acme.example", None)
    seats.take_seat(people.acme.subscription, member)
    client.force_login(member)
    assert b"ask one of its administrators" in client.get("/subscription/upgrade/").content


def test_a_cancel_that_arrives_after_the_subscription_ended_changes_nothing(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    """alice's page saw her subscription live; the roll-over expired it before her
    "cancel" arrived with that copy. Canceling it anyway turned it back into "canceled",
    mailed her that it was canceled, and let the next roll-over expire it again."""
    seen_by_the_page = Subscription.objects.get(owner_reader=people.alice)
    lifecycle.mark_past_due(seen_by_the_page, timezone.now() - timedelta(days=30))
    lifecycle.roll_over_periods()  # the grace ran out: expired
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        DemoBilling().cancel(seen_by_the_page)

    assert Subscription.objects.get(owner_reader=people.alice).status == "expired"
    assert mailoutbox == []
    assert not SecurityEvent.objects.filter(tag=SubscriptionTag.CANCELED).exists()
    assert lifecycle.roll_over_periods() == 0
