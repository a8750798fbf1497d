"""Organisation pages. Every admin page finds its organisation through
``organisation_for_admin(slug, request.user)``: another tenant's admin gets 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiosco.subscriptions import ratelimit
from kiosco.subscriptions.billing import get_provider
from kiosco.subscriptions.forms import DomainForm, InviteForm, SeatsForm, ticked_terms
from kiosco.subscriptions.middleware import SESSION_KEY
from kiosco.subscriptions.models import Invitation, Organisation, Seat, Subscription
from kiosco.subscriptions.services import seats
from kiosco.subscriptions.services.organisations import (
    DomainRefused,
    attest_domain,
    organisation_for_admin,
    organisations_open_to,
    seat_usage,
)
from kiosco.subscriptions.services.seats import TOO_MANY_INVITATIONS, SeatRefused
from kiosco.subscriptions.services.subscribe import contract_seats
from kiosco.subscriptions.services.terms import current_terms_id, terms_to_accept
from kiosco.subscriptions.templatetags.subscriptions import forget_reader_subscription


def _back(slug: str) -> HttpResponse:
    return redirect("subscriptions:org", slug=slug)


def _subscription_of(organisation: Organisation) -> Subscription | None:
    """None while an external billing system has not confirmed the purchase yet."""
    return getattr(organisation, "subscription", None)


def _awaiting(request: HttpRequest, organisation: Organisation, status: int = 409) -> HttpResponse:
    """The organisation exists but its billing system has not sent ``created`` yet:
    every admin page says so (and what reference links the two) instead of failing."""
    context = {"organisation": organisation, "reference": organisation.slug}
    return render(request, "subscriptions/org_awaiting.html", context, status=status)


AdminView = Callable[..., HttpResponse]


def _for_admin(awaiting_status: int = 409) -> Callable[[AdminView], AdminView]:
    """Load the admin's organisation (404 for anyone else) and its subscription; while
    the billing system has not confirmed it, answer the awaiting page instead."""

    def decorate(view: AdminView) -> AdminView:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
            organisation = organisation_for_admin(slug, request.user)
            subscription = _subscription_of(organisation)
            if subscription is None:
                return _awaiting(request, organisation, status=awaiting_status)
            return view(request, organisation, subscription, **kwargs)

        return wrapper

    return decorate


@login_required
@require_GET
@_for_admin(awaiting_status=200)
def dashboard(
    request: HttpRequest, organisation: Organisation, subscription: Subscription
) -> HttpResponse:
    context = {
        "organisation": organisation,
        "subscription": subscription,
        "usage": seat_usage(subscription),
        "invite_form": InviteForm(),
        "seats_form": SeatsForm(initial={"seats": subscription.seats}),
        "domain_form": DomainForm(
            initial={
                "domain": organisation.domain,
                "join_enabled": organisation.domain_join_enabled,
            }
        ),
        "test_mode": get_provider().test_mode,
        # Administrators' own seats carry no "Remove" (they would lock themselves out).
        "admin_ids": set(organisation.admins.values_list("pk", flat=True)),
    }
    return render(request, "subscriptions/org.html", context)


@login_required
@require_POST
@_for_admin()
def change_seats(
    request: HttpRequest, organisation: Organisation, subscription: Subscription
) -> HttpResponse:
    slug = organisation.slug
    form = SeatsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a number of seats from 1 to 10000."))
        return _back(slug)
    try:
        outcome = contract_seats(organisation, form.cleaned_data["seats"])
    except SeatRefused as refused:
        messages.error(request, refused.message)
        return _back(slug)
    if outcome.applied:
        messages.success(
            request, _("Your organisation now has %(seats)d seats.") % form.cleaned_data
        )
    else:
        messages.info(request, outcome.message)
    return _back(slug)


@login_required
@require_POST
@_for_admin()
def invite(
    request: HttpRequest, organisation: Organisation, subscription: Subscription
) -> HttpResponse:
    slug = organisation.slug
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return _back(slug)
    if not ratelimit.allow(request, "send_invitation"):
        messages.error(request, str(TOO_MANY_INVITATIONS))
        return _back(slug)
    try:
        seats.invite_to_seat(
            subscription,
            form.cleaned_data["email"],
            request.user,
            request.LANGUAGE_CODE,
        )
    except SeatRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
    return _back(slug)


@login_required
@require_POST
@_for_admin()
def remove_member(
    request: HttpRequest, organisation: Organisation, subscription: Subscription, seat_id: int
) -> HttpResponse:
    slug = organisation.slug
    seat = get_object_or_404(Seat, pk=seat_id, subscription=subscription)
    try:
        seats.remove_from_seat(seat, request.user)
    except SeatRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Member removed. Their access ended now."))
    return _back(slug)


@login_required
@require_POST
@_for_admin()
def revoke_invitation(
    request: HttpRequest, organisation: Organisation, subscription: Subscription, invitation_id: int
) -> HttpResponse:
    slug = organisation.slug
    invitation = get_object_or_404(Invitation, pk=invitation_id, subscription=subscription)
    seats.revoke_invitation(invitation, request.user)
    messages.success(request, _("Invitation withdrawn."))
    return _back(slug)


@login_required
@require_POST
def domain(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = organisation_for_admin(slug, request.user)
    form = DomainForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return _back(slug)
    try:
        attest_domain(
            organisation,
            form.cleaned_data["domain"] or "",
            form.cleaned_data["join_enabled"],
            request.user,
        )
    except DomainRefused as refused:
        messages.error(request, str(refused))
        return _back(slug)
    messages.success(request, _("Domain settings saved."))
    return _back(slug)


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """A reader on the organisation's open domain takes a seat by themselves."""
    # Only readers on the organisation's open domain learn that it exists.
    organisation = next((o for o in organisations_open_to(request.user) if o.slug == slug), None)
    if organisation is None or _subscription_of(organisation) is None:
        raise Http404
    context: dict[str, Any] = {
        "organisation": organisation,
        "refusal": None,
        "terms": terms_to_accept(request.user),
    }
    if request.method == "POST":
        forget_reader_subscription(request)
        try:
            seats.join_by_domain(organisation, request.user, ticked_terms(request.POST))
        except SeatRefused as refused:
            context["refusal"] = refused.message
            return render(request, "subscriptions/join.html", context, status=409)
        request.session[SESSION_KEY] = current_terms_id()
        messages.success(
            request, _("You joined %(name)s. Enjoy your reading!") % {"name": organisation.name}
        )
        return redirect("subscriptions:mine")
    return render(request, "subscriptions/join.html", context)
