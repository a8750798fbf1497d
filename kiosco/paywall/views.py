"""The device dialog's endpoints: continue reading here, the page's heartbeat and
release beacon, and "that wasn't me". Thin: parse, call one service, answer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kiosco.paywall import services


def _next(request: HttpRequest) -> str:
    """The article to go back to: a path on this edition, never another site."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if safe and target.startswith("/") else reverse("newsroom:front")


@require_POST
@login_required
def continue_here(request: HttpRequest) -> HttpResponse:
    """Post/redirect/get: the article page then shows the body, or the dialog again
    (another device continued first, or the takeover limit says when to retry)."""
    reading = services.continue_here(request)
    response = HttpResponseRedirect(_next(request))
    services.keep_token(request, reading)(response)
    return response


@require_POST
def heartbeat(request: HttpRequest) -> HttpResponse:
    """The open page, every minute while visible, with the reader's idle seconds.
    Answers ``reading``, or the dialog to show instead of the body."""
    if not request.user.is_authenticated:
        return _json({"state": "signed_out", "html": _signed_out(request)})
    reading = services.reading_for(request, services.clamp_idle(request.POST.get("idle")))
    body: dict[str, object] = {"state": reading.state}
    if reading.state != services.READING:
        body["html"] = _dialog(request, reading)
    response = _json(body)
    services.keep_token(request, reading)(response)
    return response


@require_POST
def release(request: HttpRequest) -> HttpResponse:
    """``navigator.sendBeacon`` on pagehide / hidden: nothing to answer."""
    services.release_here(request)
    return HttpResponse(status=204)


@require_POST
@login_required
def not_me(request: HttpRequest) -> HttpResponse:
    if not services.that_was_not_me(request):
        return render(request, "paywall/not_me_limited.html", status=429)
    return HttpResponseRedirect(reverse("paywall:not_me_done"))


@require_GET
def not_me_done(request: HttpRequest) -> HttpResponse:
    return render(request, "paywall/not_me_done.html")


def _json(body: dict[str, object]) -> JsonResponse:
    response = JsonResponse(body)
    add_never_cache_headers(response)  # private, no-store: it may carry the dialog
    return response


def _dialog(request: HttpRequest, reading: services.Reading) -> str:
    context = {
        "panel": {
            "reading": reading,
            **services.page_script(request),
            **services.dialog_links(request, reading.entitlements),
            "next": request.POST.get("path", ""),
        }
    }
    if reading.state == services.OFFER:
        return render_to_string("newsroom/_paywall.html", {"decision": None}, request)
    return render_to_string("paywall/_dialog_box.html", context, request)


def _signed_out(request: HttpRequest) -> str:
    return render_to_string("paywall/_signed_out.html", {}, request)
