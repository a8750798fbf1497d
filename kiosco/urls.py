"""Root URLs. Each app owns its own prefix; the newsroom's section/article paths come
last because they match any slug."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from kiosco.lib import views as lib_views
from kiosco.readers import views as readers_views

urlpatterns = [
    path("healthz/live", lib_views.live, name="health-live"),
    path("healthz/ready", lib_views.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", lib_views.set_language, name="set_language"),
    # Only allauth's account flows: its own sessions page would sign other devices out
    # without the re-authentication "Your devices" asks for.
    path("accounts/sessions/", RedirectView.as_view(pattern_name="readers:devices")),
    # readers: a stale or malformed verification key posted gets the clear page, not a 404.
    path("accounts/confirm-email/<str:key>/", readers_views.ConfirmEmailView.as_view()),
    path("accounts/", include("allauth.account.urls")),
    path("account/", include("kiosco.readers.urls")),
    path("leases/", include("kiosco.leases.urls")),
    # Crawlers ask for /favicon.ico; pages link the SVG.
    path("favicon.ico", RedirectView.as_view(url=static("kiosco/favicon.svg"), permanent=True)),
    # The footer's pages: privacy and contact (the terms live in subscriptions).
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path(
        "contact/",
        TemplateView.as_view(
            template_name="pages/contact.html",
            extra_context={"contact_email": settings.KIOSCO_CONTACT_EMAIL},
        ),
        name="contact",
    ),
    path("paywall/", include("kiosco.paywall.urls")),
    path("newsletter/", include("kiosco.newsletter.urls")),
    path("", include("kiosco.subscriptions.urls")),
    path("", include("kiosco.newsroom.urls")),
]

# allauth's rate-limit refusals: the page says how long to wait (readers/views.py).
handler429 = readers_views.too_many_requests

if settings.DEBUG:  # pragma: no cover - convenience for `make run`
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns = staticfiles_urlpatterns() + urlpatterns

# hardening: Django's own refusals and failures in the edge's error shape; a database
# that does not answer is a 503 with Retry-After (kiosco/lib/views.py).
handler400 = "kiosco.lib.views.bad_request"
handler500 = "kiosco.lib.views.server_error"
