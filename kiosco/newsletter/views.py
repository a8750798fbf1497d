"""Newsletter pages: thin views over ``services``. Every link page answers GET and
HEAD without changing anything (mail scanners follow links); only a POST acts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kiosco.lib import confirmation
from kiosco.lib.edge import problem
from kiosco.lib.origin import origin_checked
from kiosco.newsletter import ratelimit, services
from kiosco.newsletter.forms import PreferencesForm, SignupForm
from kiosco.newsletter.mail import subscriber_from_token
from kiosco.newsletter.models import LANGUAGES, Subscriber
from kiosco.subscriptions.billing.base import BadEvent
from kiosco.subscriptions.billing.webhook import HEADER

LIST_CODES = [code for code, _ in LANGUAGES]


def _in_list_language(
    request: HttpRequest, language: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    """A page about one list, in that list's language (the article's, not the
    browser's): the reader signed up from a Spanish article, they read Spanish."""
    with translation.override(language):
        response = render(request, template, context)
    response.headers["Content-Language"] = language
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def _page_language() -> str:
    language = (get_language() or "en")[:2]
    return language if language in LIST_CODES else "en"


@require_safe
def newsletter_page(request: HttpRequest) -> HttpResponse:
    form = SignupForm(initial={"language": _page_language(), "source": request.path})
    return render(request, "newsletter/page.html", {"form": form})


@origin_checked  # the sign-up block is on shared pages: no per-browser token there
@require_POST
def signup(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    form = SignupForm(request.POST, needs_email=not signed_in)
    if not form.is_valid():
        return render(request, "newsletter/page.html", {"form": form}, status=400)
    email = request.user.email if signed_in else form.cleaned_data["email"]  # type: ignore[union-attr]
    if not ratelimit.allow(request, "signup", key=services.normalise_email(email)):
        return _too_many(request)
    evidence = services.evidence_from(request, form.cleaned_data["source"])
    language = form.cleaned_data["language"]
    if signed_in:
        services.subscribe_reader(request.user, language, evidence)  # type: ignore[arg-type]
        return _in_list_language(request, language, "newsletter/subscribed.html", {})
    services.sign_up(email, language, evidence)
    # The same page whether the address is new, waiting, subscribed or gone.
    return _in_list_language(request, language, "newsletter/check_inbox.html", {})


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, key: str) -> HttpResponse:
    if not ratelimit.allow(request, "confirm", gets=True):
        return _too_many(request)
    try:
        if request.method == "POST":
            subscriber = services.confirm_subscription(key, services.evidence_from(request))
            context: dict[str, Any] = {"subscriber": subscriber}
            return _in_list_language(
                request, subscriber.language, "newsletter/confirmed.html", context
            )
        subscriber = services.peek_opt_in(key)
    except confirmation.ConfirmationError as error:
        return confirmation.error_response(request, error)
    context = {"subscriber": subscriber, "key": key}
    return _in_list_language(request, subscriber.language, "newsletter/confirm.html", context)


# One-click unsubscribe (RFC 8058): mail clients POST "List-Unsubscribe=One-Click" to
# this URL with no cookies, so no CSRF token can exist. The signed token in the URL is
# the authority, and the only thing a forged POST can do is what the link's owner asked
# for in every issue: leave. So CSRF is off here, and only here.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscriber_from_token(token)
    if subscriber is None:
        return confirmation.error_response(request, confirmation.ConfirmationMalformed(token))
    if request.method == "POST":
        services.unsubscribe(subscriber)
        context: dict[str, Any] = {"subscriber": subscriber}
        return _in_list_language(
            request, subscriber.language, "newsletter/unsubscribed.html", context
        )
    page: dict[str, Any] = {"subscriber": subscriber, "token": token}
    return _in_list_language(request, subscriber.language, "newsletter/unsubscribe.html", page)


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscriber_from_token(token)
    if subscriber is None:
        return confirmation.error_response(request, confirmation.ConfirmationMalformed(token))
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            subscriber = _apply(subscriber, form.cleaned_data["action"])
    context: dict[str, Any] = {"subscriber": subscriber, "token": token}
    return _in_list_language(request, subscriber.language, "newsletter/preferences.html", context)


def _apply(subscriber: Subscriber, action: str) -> Subscriber:
    if action == "pause":
        return services.pause(subscriber)
    if action == "resume":
        return services.resume(subscriber)
    if action == "leave":
        return services.unsubscribe(subscriber)
    return subscriber


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """A signed-in reader's lists (their own address only)."""
    reader = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid() and form.cleaned_data["language"]:
            _apply_for_reader(request, form.cleaned_data["action"], form.cleaned_data["language"])
    mine = {s.language: s for s in services.subscriptions_of(reader)}  # type: ignore[arg-type]
    lists = [(code, name, mine.get(code)) for code, name in LANGUAGES]
    return render(request, "newsletter/account.html", {"lists": lists})


def _apply_for_reader(request: HttpRequest, action: str, language: str) -> None:
    reader = request.user
    if action == "join":
        services.subscribe_reader(reader, language, services.evidence_from(request))  # type: ignore[arg-type]
        return
    for subscriber in services.subscriptions_of(reader).filter(language=language):  # type: ignore[arg-type]
        _apply(subscriber, action)


@csrf_exempt  # a server-to-server POST, authenticated by its HMAC signature
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    try:
        outcome = services.receive_webhook(request.body, request.headers.get(HEADER))
    except BadEvent as bad:
        # The edge's one error shape (problem JSON), keeping "error" for senders.
        return problem(request, 400, "Bad request", str(bad), error=str(bad))
    return JsonResponse(outcome)
