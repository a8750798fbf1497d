"""The demo edition's people: alice (Digital), bob (Premium) with carol on his second
seat, and acme (Business, 5 seats) administered by dave. Also the first terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from kiosco.readers.models import Reader
from kiosco.subscriptions.catalogue import ensure_default_plans
from kiosco.subscriptions.models import Plan, Subscription, TermsVersion
from kiosco.subscriptions.services import lifecycle
from kiosco.subscriptions.services.organisations import create_organisation
from kiosco.subscriptions.services.seats import take_seat

PASSWORD = "kiosco-demo"


@dataclass
class Personas:
    alice: Any
    bob: Any
    carol: Any
    dave: Any
    acme: Any


def make_reader(email: str, password: str | None, language: str = "en") -> Reader:
    """A reader with a verified email (no password when ``password`` is None)."""
    reader = Reader.objects.create_user(email=email, password=password, language=language)
    if password is None:
        reader.set_unusable_password()
        reader.save(update_fields=["password"])
    EmailAddress.objects.create(user=reader, email=email, verified=True, primary=True)
    return reader


@transaction.atomic
def create_personas(password: str | None = PASSWORD) -> Personas:
    ensure_default_plans()
    plans = {plan.code: plan for plan in Plan.objects.all()}
    alice = make_reader("alice@example.com", password)
    bob = make_reader("bob@example.com", password)
    carol = make_reader("carol@example.com", password, language="es")
    dave = make_reader("dave@acme.example", password)
    lifecycle.start_subscription(plans["digital"], reader=alice)
    premium = lifecycle.start_subscription(plans["premium"], reader=bob)
    take_seat(premium, carol)
    acme = create_organisation("Acme Corporation", dave, slug="acme")
    lifecycle.start_subscription(plans["business"], organisation=acme, seats=5, first_holder=dave)
    return Personas(alice, bob, carol, dave, acme)


TERMS = """## Digital subscription terms

1. A subscription is personal: each person who reads on it signs in with their own email.
2. Digital is read on one device at a time. Premium adds one more person; Business adds
   as many people as the organisation contracts.
3. You can cancel at any time; you keep reading until the end of the period you paid for.
4. If a payment fails, you keep reading for a few days while you fix it.
"""

TERMS_ES = """## Condiciones de la suscripción digital

1. La suscripción es personal: cada persona que lee con ella entra con su propio correo.
2. Digital se lee en un dispositivo a la vez. Premium añade a otra persona; Empresas añade
   a tantas personas como contrate la organización.
3. Puede cancelar cuando quiera; seguirá leyendo hasta el final del periodo pagado.
4. Si un pago falla, podrá seguir leyendo unos días mientras lo resuelve.
"""


def load_personas() -> list[str]:
    """Demo loader (``KIOSCO_DEMO_LOADERS``): idempotent, returns the sign-in lines."""
    if not TermsVersion.objects.exists():
        TermsVersion.objects.create(
            version="1", body=TERMS, body_es=TERMS_ES, published_at=timezone.now()
        )
    if not Reader.objects.filter(email="alice@example.com").exists():
        personas = create_personas(PASSWORD)
        for reader in (personas.alice, personas.bob, personas.carol, personas.dave):
            version = TermsVersion.objects.first()
            if version is not None:
                reader_accepts(reader, version)
    if not Subscription.objects.filter(organisation__slug="acme").exists():
        return ["subscriptions: personas not loaded (alice@example.com exists without them)"]
    return [
        f"alice@example.com / {PASSWORD} — Digital",
        f"bob@example.com / {PASSWORD} — Premium (owner)",
        f"carol@example.com / {PASSWORD} — Premium (bob's extra user)",
        f"dave@acme.example / {PASSWORD} — Business: admin of acme (5 seats), /org/acme/",
        "billing: demo provider (TEST MODE, nothing is charged)",
    ]


def reader_accepts(reader: Any, version: TermsVersion) -> None:
    from kiosco.subscriptions.services.terms import accept_terms

    accept_terms(reader, version)
