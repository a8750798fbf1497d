from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kiosco.newsletter import app_settings
from kiosco.newsletter.models import LANGUAGES


class SignupForm(forms.Form):
    """The sign-up block: the address (anonymous readers only), the list, the page."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.org"}),
    )
    language = forms.ChoiceField(label=_("Edition"), choices=LANGUAGES)
    source = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, needs_email: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].required = needs_email

    def clean_source(self) -> str:
        # A hidden field the page fills: never the reader's mistake, so cut, not refuse.
        return str(self.cleaned_data.get("source") or "")[: app_settings.SOURCE_MAX]


class PreferencesForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("pause", "pause"), ("resume", "resume"), ("leave", "leave"), ("join", "join")]
    )
    language = forms.ChoiceField(choices=LANGUAGES, required=False)


class TestSendForm(forms.Form):
    address = forms.EmailField(label=_("Send a test to"), max_length=254)
