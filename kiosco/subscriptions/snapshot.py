"""The subscriptions app's part of a signed-in reader's cached snapshot
(``kiosco/readers/snapshot.py``): the entitlement the paywall decides with and the
summary the header shows, so a page asks the database for neither.

Whatever changes them moves the reader's snapshot on (``forget_reader``): a saved or
deleted seat, subscription, plan or organisation (signals, here), and the
compare-and-set updates on seats that send no signal (the seat services call
``forget_reader`` for the holders they move). A paid or grace period ending turns the
entitlement by time: the snapshot says until when it holds (``Entitlements.turns_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from kiosco.lib import hot
from kiosco.readers.snapshot import forget_reader, part
from kiosco.subscriptions.models import Organisation, Plan, Seat, Subscription
from kiosco.subscriptions.services.entitlements import NOTHING, Entitlements, entitlements_for

PART = "subscriptions"


@dataclass(frozen=True)
class ReaderPlan:
    """What the reader's pages need of their subscription."""

    entitlements: Entitlements = NOTHING
    plan_names: tuple[str, str] = ("", "")  # English, Spanish
    administered: tuple[tuple[str, str], ...] = ()  # (slug, name) of their organisations


def contribute(reader: Any) -> tuple[ReaderPlan, float | None]:
    """``KIOSCO_READER_SNAPSHOT``: the reader's plan now, and until when it holds."""
    entitlements = entitlements_for(reader)
    plan = (
        Plan.objects.filter(code=entitlements.plan_code).first() if entitlements.plan_code else None
    )
    administered = tuple(reader.administered_organisations.values_list("slug", "name"))
    names = (plan.name, plan.name_es) if plan else ("", "")
    turns = entitlements.turns_at.timestamp() if entitlements.turns_at else None
    return ReaderPlan(entitlements, names, administered), turns


def reader_plan(reader: Any) -> ReaderPlan:
    """The signed-in reader's plan from their snapshot (nothing for anyone else)."""
    found = part(reader, PART)
    return found if isinstance(found, ReaderPlan) else ReaderPlan()


def cached_entitlements(reader: Any) -> Entitlements:
    return reader_plan(reader).entitlements


# --- what moves a reader's snapshot on -------------------------------------------------
def forget_subscription(subscription_id: int | None) -> None:
    """Everyone whose pages show this subscription: its seats' holders, its owner and
    its organisation's admins."""
    if subscription_id is None:
        return
    readers = set(
        Seat.objects.filter(subscription_id=subscription_id, holder__isnull=False).values_list(
            "holder_id", flat=True
        )
    )
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is not None and subscription.owner_reader_id is not None:
        readers.add(subscription.owner_reader_id)
    if subscription is not None and subscription.organisation_id is not None:
        readers.update(_admins_of(subscription.organisation_id))
    for reader_id in readers:
        forget_reader(reader_id)


def _admins_of(organisation_id: int) -> list[int]:
    through = Organisation.admins.through
    return list(
        through.objects.filter(organisation_id=organisation_id).values_list("reader_id", flat=True)
    )


def _before_seat(sender: Any, instance: Seat, **kwargs: Any) -> None:
    """A save may hand the seat to someone else: remember who held it."""
    if instance.pk is not None:
        held = Seat.objects.filter(pk=instance.pk).values_list("holder_id", flat=True)
        instance._held_by_before = held.first()  # type: ignore[attr-defined]


def _on_seat(sender: Any, instance: Seat, **kwargs: Any) -> None:
    # Only the holders' entitlements depend on a seat: the one it has, and the one it
    # had. A holder moved by a compare-and-set update sends no signal: those services
    # forget both holders themselves.
    forget_reader(instance.holder_id)
    forget_reader(getattr(instance, "_held_by_before", None))


def _on_subscription(sender: Any, instance: Subscription, **kwargs: Any) -> None:
    forget_subscription(instance.pk)
    forget_reader(instance.owner_reader_id)


CATALOGUE = "v:subscriptions:catalogue"  # in KIOSCO_SNAPSHOT_VERSIONS


def _on_catalogue(sender: Any, **kwargs: Any) -> None:
    """A plan or an organisation saved (a name, the devices per seat): one version that
    every snapshot carries moves, not each of its readers' (an admin's save stays one
    write however many read on it)."""
    hot.bump(CATALOGUE)


def _on_admins(sender: Any, instance: Any, pk_set: Any, action: str, **kwargs: Any) -> None:
    # Before a clear (its pk_set is empty): those about to lose it; after an add or a
    # remove: those named and those left.
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if isinstance(instance, Organisation):
        readers = set(pk_set or ()) | set(_admins_of(instance.pk))
    else:  # reader.administered_organisations.add(...)
        readers = {instance.pk}
    for reader_id in readers:
        forget_reader(reader_id)


def connect() -> None:
    for model, receiver in (
        (Seat, _on_seat),
        (Subscription, _on_subscription),
        (Plan, _on_catalogue),
        (Organisation, _on_catalogue),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"snapshot-save-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"snapshot-del-{model.__name__}")
    m2m_changed.connect(
        _on_admins, sender=Organisation.admins.through, dispatch_uid="snapshot-admins"
    )
    pre_save.connect(_before_seat, sender=Seat, dispatch_uid="snapshot-seat-before")
