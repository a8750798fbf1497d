"""Account pages: the account hub, your devices, data export and deletion, and the
debug outbox. allauth serves the rest under /accounts/ (sign-up, log-in, password,
email); these views parse input, call one service and render."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from allauth.account.decorators import reauthentication_required
from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiosco.readers import services
from kiosco.readers.forms import DeleteAccountForm, LanguageForm
from kiosco.readers.models import Device, Reader

OUTBOX_LIMIT = 100
# allauth's own route accepts only these characters; anything else is malformed.
VERIFICATION_KEY = re.compile(r"[-:\w]+")


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    reader: Reader = request.user  # type: ignore[assignment]
    form = LanguageForm(request.POST or None, initial={"language": reader.language})
    if request.method == "POST" and form.is_valid():
        services.set_language(reader, form.cleaned_data["language"])
        messages.success(request, _("Your language is saved."))
        return redirect("readers:account")
    return render(request, "readers/account.html", {"language_form": form, "reader": reader})


@login_required
@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    rows = Device.objects.filter(reader=request.user)  # type: ignore[misc]
    return render(
        request,
        "readers/devices.html",
        {"devices": rows, "current": services.device_id_of(request)},
    )


def _reauthenticated_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, POST only (CSRF-checked), and the password typed again within
    ACCOUNT_REAUTHENTICATION_TIMEOUT: what every action on other devices or on the
    whole account asks for."""
    return login_required(require_POST(reauthentication_required(view)))


@_reauthenticated_post
def sign_out_device(request: HttpRequest, device_id: str) -> HttpResponse:
    if device_id == services.device_id_of(request):
        messages.info(request, _("To sign this device out, use “Sign out”."))
    elif not Device.objects.filter(reader=request.user, device_id=device_id).exists():  # type: ignore[misc]
        messages.info(request, _("That device is already signed out."))
    else:
        services.sign_out_device(request, request.user, device_id)  # type: ignore[arg-type]
        messages.success(request, _("The device is signed out."))
    return redirect("readers:devices")


@_reauthenticated_post
def sign_out_others(request: HttpRequest) -> HttpResponse:
    services.sign_out_other_devices(request, request.user, "signed_out_others")  # type: ignore[arg-type]
    messages.success(request, _("Every other device is signed out."))
    return redirect("readers:devices")


@_reauthenticated_post
def export(request: HttpRequest) -> HttpResponse:
    data = services.export_reader_data(request, request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="kiosco-account.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_reader(request, request.user)  # type: ignore[arg-type]
        except services.ReaderNotDeletable as refusal:
            # The refusal names its reason (a running subscription, the last admin…).
            form.add_error(None, str(refusal))
        else:
            return render(request, "readers/deleted.html")
    return render(request, "readers/delete.html", {"form": form})


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's verification page, but an expired, used or malformed key gets the
    clear "expired or invalid" page on a POST too (allauth answers a bare 404 there;
    its page for the emailed link, a GET, already explains)."""

    def get_object(self, queryset: Any = None) -> Any:
        if not VERIFICATION_KEY.fullmatch(self.kwargs["key"]):
            raise Http404  # never looked up: a NUL or a slash has no business in a query
        return super().get_object(queryset)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(*args, **kwargs)
        except Http404:  # raised by get_object before anything is changed
            return self.get(*args, **kwargs)


def _outbox_dir() -> Path:
    if not settings.DEBUG:
        # The outbox shows every reader's mail: it exists only on a laptop.
        raise Http404
    return Path(getattr(settings, "EMAIL_FILE_PATH", settings.VAR_DIR / "mail"))


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    directory = _outbox_dir()
    files = (
        sorted(directory.glob("*.eml"), reverse=True)[:OUTBOX_LIMIT] if directory.is_dir() else []
    )
    return render(request, "readers/outbox.html", {"mails": [_read_mail(path) for path in files]})


@require_GET
def outbox_message(request: HttpRequest, name: str) -> HttpResponse:
    path = _outbox_dir() / f"{name}.eml"
    if not path.is_file():
        raise Http404
    return render(request, "readers/outbox_message.html", {"mail": _read_mail(path)})


def _read_mail(path: Path) -> dict[str, str]:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return {
        "name": path.stem,
        "subject": str(message["subject"] or ""),
        "to": str(message["to"] or ""),
        "date": str(message["date"] or ""),
        "body": body.get_content() if body is not None else "",
    }


# Which of ACCOUNT_RATE_LIMITS a refused page spent, by its URL name: the 429 page
# says how long that limit's window is (sign-up counts per hour, not "a few minutes").
_LIMIT_OF_PAGE = {
    "account_login": "login_failed",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_email": "manage_email",
    "account_change_password": "change_password",
    "account_reauthenticate": "reauthenticate",
}


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler429`` (allauth's refusals come here): the page, with how long to wait
    and a ``Retry-After`` header."""
    # allauth's own parser of "10/5m/ip" rates (its settings syntax), not a copy of it.
    from allauth.core.internal.ratelimit import parse_rates

    match = getattr(request, "resolver_match", None)
    action = _LIMIT_OF_PAGE.get(getattr(match, "url_name", "") or "", "")
    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS.get(action)) if action else []
    seconds = int(max((rate.duration for rate in rates), default=300))
    wait = {"wait_hours": seconds // 3600, "wait_minutes": max(1, seconds // 60)}
    response = render(request, "429.html", wait, status=429)
    response["Retry-After"] = str(seconds)
    return response
