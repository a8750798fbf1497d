import re

import pytest
from django.core import mail
from django.test import Client

from kiosco.lib import confirmation
from kiosco.readers.models import Reader
from kiosco.subscriptions.models import Invitation, Seat, Subscription
from kiosco.subscriptions.services import entitlements_for, lifecycle, seats
from kiosco.subscriptions.services.seats import INVITATION, SeatRefused
from tests.support.leases import holders, read_on
from tests.support.personas import make_reader

pytestmark = pytest.mark.django_db(transaction=False)


def _free_carols_seat(people):
    seat = Seat.objects.get(holder=people.carol)
    seats.remove_from_seat(seat, people.bob)


def _invite(client, owner, email, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/subscription/invite/", {"email": email})
    assert response.status_code == 302
    return link_in_last_email(r"/invitations/([\w-]+)/")


def link_in_last_email(pattern: str) -> str:
    found = re.search(pattern, str(mail.outbox[-1].body))
    assert found is not None, mail.outbox[-1].body
    return found.group(1)


def unused(key: str) -> bool:
    """The invitation link still works: its key was never used."""
    row = confirmation.find(INVITATION, key)
    assert row is not None, key
    return row.used_at is None


def test_it_emails_an_invitation_and_a_get_never_accepts(
    client, people, erin, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["erin@example.com"]
    client.force_login(erin)
    for _ in range(3):  # a mail scanner, a preview, the reader: all GETs
        response = client.get(f"/invitations/{key}/")
        assert response.status_code == 200
        assert b"Accept the invitation" in response.content
    assert not Seat.objects.filter(holder=erin).exists()
    assert unused(key)


def test_it_seats_the_invitee_on_post(client, people, erin, django_capture_on_commit_callbacks):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    client.force_login(erin)
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 302
    assert entitlements_for(erin).plan_code == "premium"
    assert Invitation.objects.get().state == Invitation.State.ACCEPTED


def test_it_asks_the_invitee_the_terms_once_on_accepting_and_then_lets_them_read(
    client, people, erin, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from kiosco.subscriptions.models import TermsVersion

    TermsVersion.objects.create(version="2", body="# T", body_es="# T", published_at=timezone.now())
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    client.force_login(erin)
    page = client.get(f"/invitations/{key}/")
    assert b'name="accept_terms"' in page.content
    unticked = client.post(f"/invitations/{key}/")
    assert unticked.status_code == 409 and b"accept the current terms" in unticked.content
    assert not Seat.objects.filter(holder=erin).exists()
    version = TermsVersion.objects.get().pk
    done = client.post(f"/invitations/{key}/", {"accept_terms": "on", "terms_version": version})
    assert done.status_code == 302 and done.url == "/"
    for path in ("/", "/subscription/"):  # no wall, and no "terms have changed"
        response = client.get(path)
        assert response.status_code == 200 and b"new-terms" not in response.content
    assert entitlements_for(erin).can_read_subscriber_content


def test_it_answers_a_second_accept_with_a_clear_message(
    client, people, erin, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    client.force_login(erin)
    client.post(f"/invitations/{key}/")
    again = client.post(f"/invitations/{key}/")
    assert again.status_code == 200
    assert b"already accepted this invitation" in again.content
    client.force_login(people.alice)
    other = client.post(f"/invitations/{key}/")
    assert other.status_code == 410
    assert b"already used" in other.content


def test_it_refuses_to_invite_when_every_seat_is_taken(client, people, erin):
    client.force_login(people.bob)
    response = client.post("/subscription/invite/", {"email": "erin@example.com"}, follow=True)
    assert "Every seat on this subscription is taken" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_joining_past_the_last_seat_with_the_reason(
    client, people, erin, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    late = make_reader("frank@example.com", None)
    seats.take_seat(Subscription.objects.get(owner_reader=people.bob), late)  # the seat goes first
    client.force_login(erin)
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 409
    assert "Every seat on this subscription is taken" in response.content.decode()
    assert unused(key)  # refused: the link still works


def test_it_refuses_the_owner_and_an_already_seated_reader(
    client, people, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    client.force_login(people.bob)
    response = client.post("/subscription/invite/", {"email": "bob@example.com"}, follow=True)
    assert "cannot take a second seat on your own subscription" in response.content.decode()
    key = _invite(client, people.bob, "someone@example.com", django_capture_on_commit_callbacks)
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 409 and b"own subscription" in response.content
    # Alice, invited by her own address, already reads on her Digital subscription.
    key = _invite(client, people.bob, "alice@example.com", django_capture_on_commit_callbacks)
    client.force_login(people.alice)
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 409
    assert b"already read on a subscription" in response.content


def test_it_refuses_an_invitee_without_a_verified_email(
    client, people, django_capture_on_commit_callbacks
):
    from kiosco.readers.models import Reader

    _free_carols_seat(people)
    key = _invite(client, people.bob, "gina@example.com", django_capture_on_commit_callbacks)
    gina = Reader.objects.create_user(email="gina@example.com")
    client.force_login(gina)
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 409 and b"Verify your email" in response.content


def test_it_shows_sign_in_and_sign_up_to_an_anonymous_visitor(
    client, people, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    client.logout()
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 200
    assert b"Sign in to accept" in response.content and b"own email" in response.content


def test_it_has_distinct_pages_for_malformed_and_withdrawn_links(
    client, people, django_capture_on_commit_callbacks
):
    assert client.get("/invitations/nonsense/").status_code == 404
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    client.post(f"/subscription/invitations/{Invitation.objects.get().pk}/revoke/")
    response = client.get(f"/invitations/{key}/")
    assert response.status_code == 410 and b"This link was withdrawn" in response.content
    assert client.post(f"/invitations/{key}/").status_code == 410


def test_it_ends_access_at_once_when_the_owner_revokes(
    client, people, django_capture_on_commit_callbacks
):
    seat = Seat.objects.get(holder=people.carol)
    read_on(seat, people.carol)
    client.force_login(people.bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/subscription/seats/{seat.pk}/revoke/")
    assert response.status_code == 302
    assert not entitlements_for(people.carol).can_read_subscriber_content
    assert holders(seat.pk) == []  # her device's lease slot is free
    assert mail.outbox[-1].to == ["carol@example.com"]
    assert (
        "ha terminado su acceso" in mail.outbox[-1].body
        or "ended your access" in mail.outbox[-1].body
    )


def test_it_lets_the_owner_re_invite_after_revoking(
    client, people, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "carol@example.com", django_capture_on_commit_callbacks)
    client.force_login(people.carol)
    assert client.post(f"/invitations/{key}/").status_code == 302
    assert entitlements_for(people.carol).can_read_subscriber_content


def test_it_never_revokes_the_owners_own_seat(client, people):
    seat = Seat.objects.get(holder=people.bob)
    with pytest.raises(SeatRefused):
        seats.remove_from_seat(seat, people.bob)


def test_it_hides_another_owners_seats(client, people):
    seat = Seat.objects.get(holder=people.carol)
    client.force_login(people.alice)
    assert client.post(f"/subscription/seats/{seat.pk}/revoke/").status_code == 404
    assert entitlements_for(people.carol).can_read_subscriber_content


def test_it_lets_the_extra_user_leave_and_take_another_seat(client, people):
    seat = Seat.objects.get(holder=people.carol)
    read_on(seat, people.carol)
    client.force_login(people.carol)
    assert b"Leave this subscription" in client.get("/subscription/").content
    client.post("/subscription/leave/")
    assert not entitlements_for(people.carol).can_read_subscriber_content
    assert holders(seat.pk) == []  # her device's lease slot is free
    seats.take_seat(people.acme.subscription, people.carol)
    assert entitlements_for(people.carol).organisation_name == "Acme Corporation"


def test_it_does_not_let_an_owner_leave_their_own_subscription(client, people):
    client.force_login(people.bob)
    response = client.post("/subscription/leave/", follow=True)
    assert "cancel it instead" in response.content.decode()
    assert entitlements_for(people.bob).can_read_subscriber_content


def test_it_lets_a_new_reader_sign_up_with_their_own_email_and_accept(
    client, people, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    _free_carols_seat(people)
    key = _invite(client, people.bob, "nora@example.com", django_capture_on_commit_callbacks)
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "nora@example.com",
                "password1": "a-long-pass-phrase",
                "password2": "a-long-pass-phrase",
            },
        )
    verify = link_in_last_email(r"(/accounts/confirm-email/[^\s/]+/)")
    client.post(verify)
    client.post("/accounts/login/", {"login": "nora@example.com", "password": "a-long-pass-phrase"})
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 302, response.content[:500]
    nora = Reader.objects.get(
        seats__subscription__owner_reader=people.bob, email="nora@example.com"
    )
    assert entitlements_for(nora).plan_code == "premium" and not entitlements_for(nora).is_owner


@pytest.mark.parametrize("length", [255, 300, 320])
def test_it_refuses_an_email_too_long_for_the_invitation_column(client, people, length):
    _free_carols_seat(people)
    client.force_login(people.bob)
    domain = "@example.com"
    email = "a" * 60 + "." + "b" * (length - 61 - len(domain) - 1) + "c" + domain
    assert len(email) == length
    response = client.post("/subscription/invite/", {"email": email}, follow=True)
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_a_forwarded_invitation_to_somebody_else(
    client, people, erin, django_capture_on_commit_callbacks
):
    _free_carols_seat(people)
    key = _invite(client, people.bob, "hugo@example.com", django_capture_on_commit_callbacks)
    forwarded = Client()  # the link was forwarded to erin, on her own browser
    forwarded.force_login(erin)
    assert "h***@example.com" in forwarded.get(f"/invitations/{key}/").content.decode()
    response = forwarded.post(f"/invitations/{key}/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "h***@example.com" in page and "hugo@example.com" not in page
    assert "Sign in with that address" in page
    assert not Seat.objects.filter(holder=erin).exists()
    assert unused(key)  # hugo can still accept


def test_it_seats_a_reader_whose_verified_second_address_was_invited(
    client, people, erin, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    _free_carols_seat(people)
    # allauth stores addresses lower-cased; the owner typed it with capitals.
    EmailAddress.objects.create(user=erin, email="erin.work@example.com", verified=True)
    key = _invite(client, people.bob, "Erin.Work@Example.com", django_capture_on_commit_callbacks)
    client.force_login(erin)
    assert client.post(f"/invitations/{key}/").status_code == 302
    assert Seat.objects.filter(holder=erin).exists()


def test_it_limits_how_many_invitations_an_owner_sends(client, people, settings):
    settings.KIOSCO_SUBSCRIPTION_RATE_LIMITS = {"send_invitation": "1/h/user"}
    _free_carols_seat(people)
    client.force_login(people.bob)
    client.post("/subscription/invite/", {"email": "erin@example.com"})
    Invitation.objects.all().delete()  # as if withdrawn: the limit counts sends, not pending
    response = client.post("/subscription/invite/", {"email": "hugo@example.com"}, follow=True)
    assert "sent a lot of invitations recently" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_lists_the_seats_with_their_actions_on_the_owners_page(client, people):
    client.force_login(people.bob)
    page = client.get("/subscription/").content.decode()
    assert "bob@example.com (you)" in page
    carol_seat = Seat.objects.get(holder=people.carol).pk
    assert f"/subscription/seats/{carol_seat}/revoke/" in page and "Revoke access" in page


def test_it_refuses_a_look_alike_address_with_a_dotless_i(
    client, people, django_capture_on_commit_callbacks
):
    """PostgreSQL folds a dotless i (U+0131) into "I": exact addresses only."""
    _free_carols_seat(people)
    key = _invite(client, people.bob, "victim@bigcorp.example", django_capture_on_commit_callbacks)
    impostor = make_reader("victim@b\u0131gcorp.example", None)
    client.force_login(impostor)
    response = client.post(f"/invitations/{key}/")
    assert response.status_code == 409
    assert "Sign in with that address" in response.content.decode()
    assert not Seat.objects.filter(holder=impostor).exists()
    assert unused(key)


def test_it_never_evicts_a_new_holder_on_a_decision_about_the_old_one(people, erin):
    """A seat read, then revoked and handed to erin: vacating what was read does nothing."""
    stale = Seat.objects.get(holder=people.carol)
    seats.remove_from_seat(stale, people.bob)
    seats.take_seat(Subscription.objects.get(owner_reader=people.bob), erin)
    read_on(Seat.objects.get(holder=erin), erin)
    assert not lifecycle.vacate_seat(stale, "seat_left")
    assert Seat.objects.get(pk=stale.pk).holder == erin
    assert holders(stale.pk) == ["device-1"]


def test_it_refuses_leaving_a_seat_that_is_no_longer_yours(client, people):
    seats.remove_from_seat(Seat.objects.get(holder=people.carol), people.bob)
    client.force_login(people.carol)
    client.post("/subscription/leave/")
    with pytest.raises(SeatRefused):
        seats.leave_seat(people.carol)


def test_revoking_a_pending_invitation_accepted_meanwhile_ends_that_seat(
    client, people, erin, django_capture_on_commit_callbacks
):
    """The owner's page showed the invitation pending; erin accepted before the owner's
    "revoke" arrived with that copy. The revocation was judged on the copy: it marked
    the accepted invitation revoked and left erin seated."""
    _free_carols_seat(people)
    key = _invite(client, people.bob, "erin@example.com", django_capture_on_commit_callbacks)
    seen_by_the_owner = Invitation.objects.get(email="erin@example.com")
    seats.accept_invitation(key, erin)

    seats.revoke_invitation(seen_by_the_owner, people.bob)

    assert not Seat.objects.filter(holder=erin).exists()
    assert Invitation.objects.get(pk=seen_by_the_owner.pk).state == Invitation.State.REVOKED
