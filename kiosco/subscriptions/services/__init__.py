"""Subscription services, split by flow:

- ``entitlements``: what a reader may read (the only place that decides it);
- ``subscribe``: subscribing, plan changes and cancel through the billing provider;
- ``lifecycle``: a subscription's states and seat count;
- ``seats``: invitations, taking, revoking and joining seats (race-free);
- ``organisations``: business customers, tenant isolation, seat usage;
- ``terms``: versioned terms and acceptance;
- ``billing_events``: applying billing webhooks, idempotent and in order.

The names other apps use are re-exported here.
"""

from kiosco.subscriptions.services.entitlements import (
    Entitlements,
    entitlements_for,
    grants_access,
    reader_may_read,
)

__all__ = ["Entitlements", "entitlements_for", "grants_access", "reader_may_read"]
