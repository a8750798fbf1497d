"""The subscriptions part of a reader's data export."""

import json

import pytest
from django.conf import settings
from django.utils import timezone

from kiosco.subscriptions.models import Invitation, Subscription, TermsVersion
from kiosco.subscriptions.services.accounts import export_reader_subscriptions
from kiosco.subscriptions.services.terms import accept_terms

pytestmark = pytest.mark.django_db
EXPORTER = "kiosco.subscriptions.services.accounts.export_reader_subscriptions"


def test_it_is_registered_as_a_reader_exporter():
    assert EXPORTER in settings.KIOSCO_READER_EXPORTERS


def test_it_exports_the_owners_seat_subscription_terms_and_invitations(people):
    version = TermsVersion.objects.create(version="7", body="Be kind.", published_at=timezone.now())
    accept_terms(people.bob, version)
    Invitation.objects.create(
        subscription=Subscription.objects.get(owner_reader=people.bob),
        email="carol@example.com",
        invited_by=people.bob,
    )
    data = json.loads(json.dumps(export_reader_subscriptions(people.bob)))  # JSON-ready
    assert data["owned_subscription"]["plan"] == "premium"
    assert data["owned_subscription"]["status"] == "active"
    assert data["seat"]["number"] == 1 and data["seat"]["subscription"]["plan"] == "premium"
    assert [t["version"] for t in data["terms_acceptances"]] == ["7"]
    assert [i["email"] for i in data["invitations_sent"]] == ["carol@example.com"]


def test_it_exports_a_members_seat_and_its_organisation(people):
    data = export_reader_subscriptions(people.dave)
    assert data["seat"]["organisation"] == "Acme Corporation"
    assert data["owned_subscription"] is None
    carol = export_reader_subscriptions(people.carol)
    assert carol["seat"]["number"] == 2 and carol["owned_subscription"] is None
