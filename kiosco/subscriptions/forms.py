"""Forms: input parsing only; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SubscribeForm(forms.Form):
    accept_terms = forms.BooleanField(
        required=False, label=_("I have read and accept the terms and conditions")
    )
    terms_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    organisation_name = forms.CharField(
        required=False, max_length=120, label=_("Organisation name")
    )
    seats = forms.IntegerField(required=False, min_value=1, max_value=10000, label=_("Seats"))


class SeatTermsForm(forms.Form):
    """The terms box on a seat-taking form (invitation, joining by domain)."""

    accept_terms = forms.BooleanField(required=False)
    terms_version = forms.IntegerField(required=False, min_value=1)


def ticked_terms(data: Any) -> int | None:
    """The terms version the reader ticked, or None (not ticked, or garbled)."""
    form = SeatTermsForm(data)
    if not form.is_valid() or not form.cleaned_data["accept_terms"]:
        return None
    return form.cleaned_data["terms_version"]


class InviteForm(forms.Form):
    # Invitation.email is varchar(254): longer input is a form error, not a DataError.
    email = forms.EmailField(max_length=254, label=_("Their email address"))


class SeatsForm(forms.Form):
    seats = forms.IntegerField(min_value=1, max_value=10000, label=_("Seats"))


class DomainForm(forms.Form):
    domain = forms.RegexField(
        required=False,
        max_length=253,
        regex=r"^@?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
        label=_("Email domain"),
        error_messages={"invalid": _("Enter a domain such as example.com.")},
    )
    attest = forms.BooleanField(
        required=False, label=_("I confirm our organisation controls this domain")
    )
    join_enabled = forms.BooleanField(
        required=False,
        label=_("Let people with a verified address on this domain join by themselves"),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("domain") and not data.get("attest"):
            self.add_error("attest", _("Confirm that your organisation controls this domain."))
        return data


class TermsAcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(label=_("I have read and accept these terms and conditions"))
