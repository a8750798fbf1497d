import pytest

from kiosco.readers.models import Reader
from kiosco.subscriptions.demo import load_personas
from kiosco.subscriptions.services import entitlements_for

pytestmark = pytest.mark.django_db


def test_it_loads_the_personas_once_with_the_demo_password(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    lines = load_personas()
    assert "alice@example.com / kiosco-demo — Digital" in lines
    assert load_personas() == lines  # idempotent
    alice = Reader.objects.get(email="alice@example.com")
    assert alice.check_password("kiosco-demo")
    assert entitlements_for(Reader.objects.get(email="carol@example.com")).plan_code == "premium"
    assert entitlements_for(Reader.objects.get(email="dave@acme.example")).organisation_name
