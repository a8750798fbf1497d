"""An edition for the fault tests, built in the database ``DATABASE_URL`` names (a
throwaway server's): migrated, with the readers the load needs and their signed-in
sessions. Run as ``python -m tests.support.fault_edition READERS INVITEES OWNERS``; it
prints what the test needs as one JSON line.

* readers: each a Digital subscription (one device at a time) and two sessions, for a
  phone and a laptop that take the reading from each other;
* invitees: each a verified reader with a session and a pending invitation to a seat
  of acme's Business subscription;
* owners: each a subscription their billing system created by webhook (``sub_<n>``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any


def session_of(reader: Any) -> str:
    """A signed-in session, as a browser that logged in would carry."""
    from django.test import Client

    client = Client()
    client.force_login(reader)
    return str(client.cookies["sessionid"].value)


def build(readers: int, invitees: int, owners: int) -> dict[str, Any]:
    from django.core import mail
    from django.test import override_settings

    from kiosco.subscriptions.billing.webhook import parse
    from kiosco.subscriptions.catalogue import ensure_default_plans
    from kiosco.subscriptions.models import Plan
    from kiosco.subscriptions.services import lifecycle
    from kiosco.subscriptions.services.billing_events import receive_billing_change
    from kiosco.subscriptions.services.organisations import create_organisation
    from kiosco.subscriptions.services.seats import invite_to_seat
    from tests.support.personas import make_reader

    ensure_default_plans()
    plans = {plan.code: plan for plan in Plan.objects.all()}
    reading = []
    for n in range(readers):
        reader = make_reader(f"reader{n}@example.com", None)
        lifecycle.start_subscription(plans["digital"], reader=reader)
        reading.append({"phone": session_of(reader), "laptop": session_of(reader)})

    dave = make_reader("dave@acme.example", None)
    acme = create_organisation("Acme", dave, slug="acme")
    business = lifecycle.start_subscription(
        plans["business"], organisation=acme, seats=invitees + 1, first_holder=dave
    )
    invited = []
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for n in range(invitees):
            invitee = make_reader(f"invitee{n}@example.com", None)
            invite_to_seat(business, invitee.email, dave, "en")
            sent = str(mail.outbox[-1].body)
            link = re.search(r"/invitations/([\w-]+)/", sent)
            assert link is not None, sent
            invited.append(
                {"email": invitee.email, "key": link.group(1), "session": session_of(invitee)}
            )

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    for n in range(owners):
        make_reader(f"owner{n}@example.com", None)
        created = {
            "id": f"evt_created_{n}",
            "type": "created",
            "created": int(start.timestamp()),
            "subscription": {
                "id": f"sub_{n}",
                "plan": "digital",
                "owner_email": f"owner{n}@example.com",
                "period_end": int((start + timedelta(days=30)).timestamp()),
            },
        }
        change = parse(json.dumps(created).encode())
        assert change is not None
        receive_billing_change(change)
    return {"readers": reading, "invitees": invited, "start": int(start.timestamp())}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    readers, invitees, owners = (int(n) for n in argv)
    print(json.dumps(build(readers, invitees, owners)))


if __name__ == "__main__":
    main(sys.argv[1:])
