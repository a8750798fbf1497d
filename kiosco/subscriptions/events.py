"""Subscription facts recorded through ``kiosco.readers.events.record`` as typed tags."""

from enum import StrEnum


class SubscriptionTag(StrEnum):
    STARTED = "subscription:subscription:started"
    PLAN_CHANGED = "subscription:plan:changed"
    DOWNGRADE_SCHEDULED = "subscription:plan:downgrade_scheduled"
    CANCELED = "subscription:subscription:canceled"
    EXPIRED = "subscription:subscription:expired"
    INVITATION_SENT = "subscription:invitation:sent"
    INVITATION_REVOKED = "subscription:invitation:revoked"
    SEAT_TAKEN = "subscription:seat:taken"
    SEAT_REVOKED = "subscription:seat:revoked"
    SEAT_CLOSED = "subscription:seat:closed"
    SEAT_LEFT = "subscription:seat:left"
    TERMS_ACCEPTED = "subscription:terms:accepted"
    DOMAIN_ATTESTED = "subscription:domain:attested"
    BILLING_REQUESTED = "subscription:billing:requested"
