from __future__ import annotations

from typing import Any

from django import template

from kiosco.newsletter import app_settings
from kiosco.newsletter.forms import SignupForm

register = template.Library()


@register.inclusion_tag("newsletter/_signup.html", takes_context=True)
def newsletter_signup(context: dict[str, Any], language: str) -> dict[str, Any]:
    """The sign-up block for ``language``'s list (the end of every article). Django
    copies the page's CSRF token into the block's context."""
    request = context["request"]
    form = SignupForm(initial={"language": language, "source": request.path})
    return {
        "form": form,
        "language": language,
        "signed_in": request.user.is_authenticated,
        "wording_version": app_settings.SIGNUP_WORDING_VERSION,
    }
