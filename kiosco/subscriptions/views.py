"""Reader-side pages: plans, my subscription, invitations, terms. Thin: parse, call
one service, render or redirect with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiosco.lib import confirmation
from kiosco.subscriptions import ratelimit
from kiosco.subscriptions.billing import get_provider
from kiosco.subscriptions.billing.base import BillingOutcome
from kiosco.subscriptions.forms import InviteForm, SubscribeForm, TermsAcceptForm, ticked_terms
from kiosco.subscriptions.middleware import SESSION_KEY
from kiosco.subscriptions.models import Invitation, Plan, Seat, TermsVersion
from kiosco.subscriptions.services import seats, terms
from kiosco.subscriptions.services import subscribe as flows
from kiosco.subscriptions.services.entitlements import entitlements_for
from kiosco.subscriptions.services.organisations import organisations_open_to, seat_usage
from kiosco.subscriptions.services.seats import TOO_MANY_INVITATIONS, SeatRefused
from kiosco.subscriptions.templatetags.subscriptions import forget_reader_subscription


def _report(request: HttpRequest, outcome: BillingOutcome, done: str) -> None:
    messages.success(request, done) if outcome.applied else messages.info(request, outcome.message)


@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    context = {
        "plans": Plan.objects.filter(is_active=True),
        "terms": terms.current_terms(),
        "test_mode": get_provider().test_mode,
        "entitlements": entitlements_for(request.user),
    }
    return render(request, "subscriptions/plans.html", context)


@login_required
@require_POST
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    forget_reader_subscription(request)
    plan = get_object_or_404(Plan, code=code, is_active=True)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the form and try again."))
        return redirect("subscriptions:plans")
    accepted = form.cleaned_data["terms_version"] if form.cleaned_data["accept_terms"] else None
    try:
        outcome = flows.subscribe(
            request.user,
            plan,
            accepted_terms_id=accepted,
            organisation_name=form.cleaned_data["organisation_name"] or "",
            seats=form.cleaned_data["seats"],
        )
    except SeatRefused as refused:
        messages.error(request, refused.message)
        return redirect("subscriptions:plans")
    request.session[SESSION_KEY] = terms.current_terms_id()
    _report(request, outcome, _("Welcome! Your subscription is active."))
    sub = outcome.subscription
    if sub is not None and sub.organisation_id:
        return redirect("subscriptions:org", slug=sub.organisation.slug)  # type: ignore[union-attr]
    if outcome.organisation is not None:  # awaiting the billing system's confirmation
        return redirect("subscriptions:org", slug=outcome.organisation.slug)
    return redirect("subscriptions:mine")


@login_required
@require_GET
def my_subscription(request: HttpRequest) -> HttpResponse:
    owned = flows.owned_subscription(request.user)
    context = {
        "entitlements": entitlements_for(request.user),
        "owned": owned,
        "usage": seat_usage(owned) if owned else None,
        "invite_form": InviteForm(),
        "other_plans": Plan.objects.filter(is_active=True, for_organisations=False).exclude(
            pk=owned.plan_id if owned else 0
        ),
        "open_organisations": organisations_open_to(request.user),
        "administered": request.user.administered_organisations.all(),  # type: ignore[union-attr]
        "test_mode": get_provider().test_mode,
        "new_terms": terms.terms_to_accept(request.user),
    }
    return render(request, "subscriptions/mine.html", context)


def _owned_or_404(request: HttpRequest):  # type: ignore[no-untyped-def]
    owned = flows.owned_subscription(request.user)
    if owned is None:
        raise Http404
    return owned


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    owned = _owned_or_404(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("subscriptions:mine")
    if not ratelimit.allow(request, "send_invitation"):
        messages.error(request, str(TOO_MANY_INVITATIONS))
        return redirect("subscriptions:mine")
    try:
        seats.invite_to_seat(owned, form.cleaned_data["email"], request.user, request.LANGUAGE_CODE)
    except SeatRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
    return redirect("subscriptions:mine")


@login_required
@require_POST
def revoke_seat(request: HttpRequest, seat_id: int) -> HttpResponse:
    seat = get_object_or_404(Seat, pk=seat_id, subscription=_owned_or_404(request))
    try:
        seats.remove_from_seat(seat, request.user)
    except SeatRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("Access revoked. That person can no longer read on your subscription.")
        )
    return redirect("subscriptions:mine")


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, subscription=_owned_or_404(request)
    )
    seats.revoke_invitation(invitation, request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("subscriptions:mine")


@login_required
@require_GET
def confirm_plan_change(request: HttpRequest, code: str) -> HttpResponse:
    """The step before a plan change: what changes, what it costs, from when."""
    plan = get_object_or_404(Plan, code=code, is_active=True)
    try:
        change = flows.preview_plan_change(request.user, plan)
    except SeatRefused as refused:
        messages.error(request, refused.message)
        return redirect("subscriptions:mine")
    context = {"change": change, "test_mode": get_provider().test_mode}
    return render(request, "subscriptions/confirm_plan.html", context)


@login_required
@require_POST
def change_plan(request: HttpRequest) -> HttpResponse:
    """The POST of the confirmation page (``confirm_plan``)."""
    forget_reader_subscription(request)
    plan = get_object_or_404(Plan, code=request.POST.get("plan", ""), is_active=True)
    try:
        change = flows.preview_plan_change(request.user, plan)
        outcome = flows.change_plan(request.user, plan)
    except SeatRefused as refused:
        messages.error(request, refused.message)
        return redirect("subscriptions:mine")
    _report(request, outcome, _plan_change_done(change))
    return redirect("subscriptions:mine")


def _plan_change_done(change: flows.PlanChange) -> str:
    names = {"plan": change.plan.display_name}
    if change.now:
        return _("You are now on %(plan)s, from today.") % names
    when = {"date": date_format(change.effective, "DATE_FORMAT"), **names}
    return _("You move to %(plan)s on %(date)s. Until then nothing changes.") % when


@login_required
@require_GET
def confirm_cancel(request: HttpRequest) -> HttpResponse:
    """The step before canceling: it says until when the reader can read."""
    context = {"owned": _owned_or_404(request), "test_mode": get_provider().test_mode}
    return render(request, "subscriptions/confirm_cancel.html", context)


@login_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    forget_reader_subscription(request)
    owned = _owned_or_404(request)
    try:
        outcome = flows.cancel_subscription(request.user)
    except SeatRefused as refused:
        messages.error(request, refused.message)
        return redirect("subscriptions:mine")
    until = date_format(owned.current_period_end, "DATE_FORMAT")
    _report(request, outcome, _("Canceled. You can keep reading until %(date)s.") % {"date": until})
    return redirect("subscriptions:mine")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, key: str) -> HttpResponse:
    """GET shows the invitation (mail scanners follow links); only POST accepts."""
    try:
        found = seats.invitation_for_key(key)
    except confirmation.ConfirmationUsed as used:
        accepted = seats.used_invitation_for_key(key)
        if (
            accepted
            and request.user.is_authenticated
            and accepted.accepted_by_id == request.user.pk
        ):
            return render(request, "subscriptions/invitation_done.html", {"invitation": accepted})
        return confirmation.error_response(request, used)
    except confirmation.ConfirmationError as error:
        return confirmation.error_response(request, error)
    context = {"invitation": found, "key": key, "refusal": None, "terms": None}
    if request.user.is_authenticated:
        context["terms"] = terms.terms_to_accept(request.user)
    if request.method == "POST" and request.user.is_authenticated:
        forget_reader_subscription(request)
        try:
            seats.accept_invitation(key, request.user, ticked_terms(request.POST))
        except SeatRefused as refused:
            context["refusal"] = refused.message
            return render(request, "subscriptions/invitation.html", context, status=409)
        except confirmation.ConfirmationError as error:
            return confirmation.error_response(request, error)
        request.session[SESSION_KEY] = terms.current_terms_id()
        messages.success(request, _("You have a seat. Enjoy your reading!"))
        return redirect("newsroom:front")
    if request.user.is_authenticated:
        context["refusal"] = seats.invitee_refusal(found, request.user)
    return render(request, "subscriptions/invitation.html", context)


@require_GET
def terms_current(request: HttpRequest) -> HttpResponse:
    version = terms.current_terms()
    if version is None:
        raise Http404
    return _render_terms(request, version)


@require_GET
def terms_version(request: HttpRequest, version: str) -> HttpResponse:
    return _render_terms(request, get_object_or_404(TermsVersion, version=version))


def _render_terms(request: HttpRequest, version: TermsVersion) -> HttpResponse:
    context = {"version": version, "body": terms.render_markdown(version.display_body)}
    return render(request, "subscriptions/terms.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def terms_accept(request: HttpRequest) -> HttpResponse:
    version = terms.current_terms()
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    if version is None:
        return HttpResponseRedirect(target)
    form = TermsAcceptForm(request.POST or None, initial={"version": version.pk})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] == version.pk:
            terms.accept_terms(request.user, version)
            request.session[SESSION_KEY] = version.pk
            return HttpResponseRedirect(target)
        messages.error(
            request, _("The terms changed while you were reading. Please read this version.")
        )
    context = {
        "version": version,
        "body": terms.render_markdown(version.display_body),
        "form": form,
        "next": target,
    }
    return render(request, "subscriptions/terms_accept.html", context)


@login_required
@require_GET
def upgrade(request: HttpRequest) -> HttpResponse:
    """Where the device dialog's "share: move to Premium" and "contract more accounts"
    links land: each reader sees the offer that fits their subscription."""
    entitlements = entitlements_for(request.user)
    administered = request.user.administered_organisations.first()  # type: ignore[union-attr]
    if administered is not None and entitlements.organisation_name:
        return redirect(reverse("subscriptions:org", args=[administered.slug]) + "#seats")
    owned = flows.owned_subscription(request.user)
    premium = Plan.objects.filter(code="premium", is_active=True).first()
    if owned is None and not entitlements.organisation_name:
        return redirect("subscriptions:plans")
    context = {
        "owned": owned,
        "premium": premium if owned and premium and premium.seats > owned.plan.seats else None,
        "entitlements": entitlements,
        "test_mode": get_provider().test_mode,
    }
    return render(request, "subscriptions/upgrade.html", context)


@login_required
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    forget_reader_subscription(request)
    try:
        seats.leave_seat(request.user)
    except SeatRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("You left that subscription. Your account stays yours."))
    return redirect("subscriptions:mine")
