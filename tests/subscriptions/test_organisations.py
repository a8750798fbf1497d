import pytest
from django.core import mail
from django.utils import timezone

from kiosco.subscriptions.models import Invitation, Organisation, Seat, Subscription
from kiosco.subscriptions.services import entitlements_for, lifecycle
from kiosco.subscriptions.services.organisations import create_organisation
from tests.support.leases import holders, read_on
from tests.support.personas import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def globex(people):
    """Another tenant, administered by erin."""
    erin = make_reader("erin@globex.example", None)
    organisation = create_organisation("Globex", erin, slug="globex")
    from kiosco.subscriptions.models import Plan

    lifecycle.start_subscription(
        Plan.objects.get(code="business"), organisation=organisation, seats=3, first_holder=erin
    )
    return organisation


def _acme_urls(people):
    subscription = people.acme.subscription
    seat = Seat.objects.get(subscription=subscription, holder=people.dave)
    invitation = Invitation.objects.create(subscription=subscription, email="x@acme.example")
    return [
        ("get", "/org/acme/", {}),
        ("post", "/org/acme/seats/", {"seats": "50"}),
        ("post", "/org/acme/invite/", {"email": "spy@globex.example"}),
        ("post", f"/org/acme/members/{seat.pk}/remove/", {}),
        ("post", f"/org/acme/invitations/{invitation.pk}/revoke/", {}),
        (
            "post",
            "/org/acme/domain/",
            {"domain": "globex.example", "attest": "on", "join_enabled": "on"},
        ),
        ("get", "/org/acme/join/", {}),
        ("post", "/org/acme/join/", {}),
    ]


def test_it_refuses_every_organisation_url_to_another_tenants_admin(client, people, globex):
    client.force_login(globex.admins.get())
    for method, url, data in _acme_urls(people):
        response = getattr(client, method)(url, data)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert b"Acme" not in response.content, url
    acme = Organisation.objects.get(slug="acme")
    assert acme.subscription.seats == 5 and acme.domain == ""
    assert Seat.objects.filter(holder=people.dave).exists()
    assert not Invitation.objects.filter(email="spy@globex.example").exists()


def test_it_shows_the_admin_seat_usage(client, people):
    client.force_login(people.dave)
    response = client.get("/org/acme/")
    assert response.status_code == 200
    assert "1 of 5 seats taken" in response.content.decode()
    assert "TEST MODE" in response.content.decode()


def test_it_lets_an_admin_contract_more_accounts(client, people):
    client.force_login(people.dave)
    response = client.post("/org/acme/seats/", {"seats": "8"}, follow=True)
    assert "now has 8 seats" in response.content.decode()
    assert Seat.objects.filter(subscription=people.acme.subscription).count() == 8


def test_it_refuses_fewer_seats_than_members(client, people):
    client.force_login(people.dave)
    response = client.post("/org/acme/seats/", {"seats": "0"}, follow=True)
    assert "from 1 to 10000" in response.content.decode()
    assert Subscription.objects.get(organisation=people.acme).seats == 5


def test_it_lets_an_admin_invite_and_remove_a_member(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people.dave)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/org/acme/invite/", {"email": "erin@example.com"})
    assert "Acme Corporation offers you a seat" in mail.outbox[-1].body
    erin = make_reader("erin@example.com", None)
    key = mail.outbox[-1].body.split("/invitations/")[1].split("/")[0]
    client.force_login(erin)
    client.post(f"/invitations/{key}/")
    assert entitlements_for(erin).organisation_name == "Acme Corporation"
    assert (
        "Your access is given by Acme Corporation" in client.get("/subscription/").content.decode()
    )
    seat = Seat.objects.get(holder=erin)
    read_on(seat, erin)
    client.force_login(people.dave)
    client.post(f"/org/acme/members/{seat.pk}/remove/")
    assert not entitlements_for(erin).can_read_subscriber_content
    assert holders(seat.pk) == []  # her device's lease slot is free


def test_it_lets_a_verified_domain_join_while_seats_last(client, people):
    client.force_login(people.dave)
    client.post(
        "/org/acme/domain/", {"domain": "acme.example", "attest": "on", "join_enabled": "on"}
    )
    assert Organisation.objects.get(slug="acme").domain_open
    newcomers = [make_reader(f"n{n}@acme.example", None) for n in range(5)]
    codes = []
    for reader in newcomers:
        client.force_login(reader)
        codes.append(client.post("/org/acme/join/").status_code)
    assert codes == [302, 302, 302, 302, 409]
    assert (
        "Every seat on this subscription is taken"
        in client.post("/org/acme/join/").content.decode()
    )


def test_it_refuses_an_unverified_domain_address(client, people):
    from allauth.account.models import EmailAddress

    client.force_login(people.dave)
    client.post(
        "/org/acme/domain/", {"domain": "acme.example", "attest": "on", "join_enabled": "on"}
    )
    unverified = make_reader("sneaky@acme.example", None)
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    client.force_login(unverified)
    assert client.post("/org/acme/join/").status_code == 404
    assert not Seat.objects.filter(holder=unverified).exists()


def test_it_requires_an_attestation_for_a_domain(client, people):
    client.force_login(people.dave)
    response = client.post(
        "/org/acme/domain/", {"domain": "acme.example", "join_enabled": "on"}, follow=True
    )
    assert "controls this domain" in response.content.decode()
    assert Organisation.objects.get(slug="acme").domain_verified_at is None


def test_it_keeps_joining_closed_until_the_admin_opens_it(client, people):
    Organisation.objects.filter(slug="acme").update(
        domain="acme.example", domain_verified_at=timezone.now()
    )
    client.force_login(make_reader("n@acme.example", None))
    assert client.get("/org/acme/join/").status_code == 404


def test_it_refuses_an_admins_invitation_to_an_email_too_long_to_store(client, people):
    client.force_login(people.dave)
    email = "m" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".example"
    assert 255 <= len(email) <= 320
    response = client.post("/org/acme/invite/", {"email": email}, follow=True)
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.filter(subscription=people.acme.subscription).exists()


def test_it_limits_how_many_invitations_an_admin_sends(client, people, settings):
    settings.KIOSCO_SUBSCRIPTION_RATE_LIMITS = {"send_invitation": "2/h/user"}
    client.force_login(people.dave)
    for n in range(2):
        client.post("/org/acme/invite/", {"email": f"member{n}@acme.example"})
    response = client.post("/org/acme/invite/", {"email": "member9@acme.example"}, follow=True)
    assert "sent a lot of invitations recently" in response.content.decode()
    invited = Invitation.objects.filter(subscription=people.acme.subscription)
    assert sorted(invited.values_list("email", flat=True)) == [
        "member0@acme.example",
        "member1@acme.example",
    ]


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "Outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
    ],
)
def test_it_refuses_to_attest_a_public_webmail_domain(client, people, domain):
    client.force_login(people.dave)
    response = client.post(
        "/org/acme/domain/", {"domain": domain, "attest": "on", "join_enabled": "on"}, follow=True
    )
    assert "is a public email service" in response.content.decode()
    assert not Organisation.objects.get(slug="acme").domain_open


def test_it_refuses_a_domain_another_organisation_attested(client, people, globex):
    client.force_login(people.dave)
    client.post("/org/acme/domain/", {"domain": "acme.example", "attest": "on"})
    globex_admin = globex.admins.get()
    client.force_login(globex_admin)
    response = client.post(
        "/org/globex/domain/", {"domain": "ACME.example", "attest": "on"}, follow=True
    )
    assert "Another organisation already attested acme.example" in response.content.decode()
    assert Organisation.objects.get(slug="globex").domain == ""


def test_it_lists_the_members_with_their_actions_on_the_admins_page(client, people):
    invitation = Invitation.objects.create(
        subscription=people.acme.subscription, email="new@acme.example"
    )
    client.force_login(people.dave)
    page = client.get("/org/acme/").content.decode()
    dave_seat = Seat.objects.get(holder=people.dave).pk
    # The admin's own seat offers no "Remove": they would lock themselves out.
    assert f"/org/acme/members/{dave_seat}/remove/" not in page and "(you)" in page
    assert f"/org/acme/invitations/{invitation.pk}/revoke/" in page and "new@acme.example" in page


def test_it_refuses_a_look_alike_domain_with_a_dotless_i(client, people):
    client.force_login(people.dave)
    client.post(
        "/org/acme/domain/", {"domain": "bigcorp.example", "attest": "on", "join_enabled": "on"}
    )
    assert Organisation.objects.get(slug="acme").domain_open
    lookalike = make_reader("mallory@b\u0131gcorp.example", None)
    client.force_login(lookalike)
    assert client.post("/org/acme/join/").status_code == 404
    assert not Seat.objects.filter(holder=lookalike).exists()
