"""Kiosco settings, read from the environment.

Defaults describe the embedded shape (one SQLite file, everything in-process), so
``make run`` needs nothing else. Production sets ``DATABASE_URL``, ``REDIS_URL`` and a
real ``KIOSCO_SECRET_KEY``; a bad value stops the process (see ``kiosco.lib.env``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kiosco.leases.timing import idle_limit_problem
from kiosco.lib.client_ip import parse_trusted_proxies
from kiosco.lib.email import email_settings
from kiosco.lib.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
# Run from a source checkout, var/ sits beside pyproject.toml whatever the working
# directory; an installed Kiosco keeps it in the working directory.
_CHECKOUT = BASE_DIR.parent
_DEFAULT_VAR = _CHECKOUT / "var" if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd() / "var"
VAR_DIR = Path(env_str("KIOSCO_VAR_DIR", str(_DEFAULT_VAR))).resolve()

# --- Core ---------------------------------------------------------------------------
DEBUG = env_bool("KIOSCO_DEBUG", False)
INSECURE_DEFAULT_SECRET = "kiosco-insecure-default-secret-do-not-use-in-production"
SECRET_KEY = env_str("KIOSCO_SECRET_KEY", INSECURE_DEFAULT_SECRET)
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET:
    raise ImproperlyConfigured(
        "KIOSCO_SECRET_KEY is not set. Production refuses the default secret; "
        "set KIOSCO_SECRET_KEY to a long random value (or KIOSCO_DEBUG=1 on a laptop)."
    )
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("KIOSCO_SECRET_KEY must be at least 32 characters long.")
ALLOWED_HOSTS = env_list("KIOSCO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("KIOSCO_CSRF_TRUSTED_ORIGINS", [])
SITE_ID = 1

KIOSCO_EDITION_NAME = env_str("KIOSCO_EDITION_NAME", "The Kiosco Courier")
KIOSCO_EDITION_LANGUAGE = env_str("KIOSCO_EDITION_LANGUAGE", "en")
# Each loader fills part of the demo edition and returns lines for `make run` to print.
KIOSCO_DEMO_LOADERS = ["kiosco.newsroom.demo.load_edition", "kiosco.readers.demo.load_editor"]
# Who may read a subscriber-only article on this device: the paywall decides from the
# reader's entitlement (subscriptions) and this device's reading lease (leases).
KIOSCO_ACCESS_DECISION = "kiosco.paywall.services.decide_article"
KIOSCO_PUBLIC_URL = env_str("KIOSCO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
    "kiosco.lib",
    "kiosco.newsroom",
    "kiosco.readers",
    "kiosco.leases",
    "kiosco.subscriptions",
    "kiosco.paywall",
    "kiosco.live",
    "django_tasks",
    "django_tasks_db",
    "kiosco.newsletter",
    "kiosco.insights",
]

MIDDLEWARE = [
    # hardening: input no view could store (NUL bytes, odd charsets, deep or huge bodies)
    # is refused here, before anything else runs (kiosco/lib/edge.py).
    "kiosco.lib.edge.EdgeMiddleware",
    # the hot path: a request's small cache reads fetched in one round trip (kiosco/lib/hot.py).
    "kiosco.lib.hot.HotMiddleware",
    # readers: X-Forwarded-* count only from KIOSCO_TRUSTED_PROXIES (kiosco/lib/client_ip.py).
    "kiosco.lib.client_ip.ForwardedHeadersMiddleware",
    # newsroom: a page every anonymous visitor shares, from memory, headers and all,
    # before everything below (kiosco/newsroom/pages.py).
    "kiosco.newsroom.pages.PublicPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # hardening: the Content-Security-Policy header, nonce per request (below).
    "kiosco.lib.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, minus a language look-up in paths that never carry one (lib/middleware.py).
    "kiosco.lib.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # readers: Django's AuthenticationMiddleware, the reader resolved at once (not lazily).
    "kiosco.readers.middleware.ReaderAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # (allauth's UserSessionsMiddleware is left out: it only records activity when
    # USERSESSIONS_TRACK_ACTIVITY is on, below; sessions are recorded at sign-in.)
    # readers: the kiosco_device cookie and the Device row's last_seen (after auth).
    "kiosco.readers.middleware.DeviceMiddleware",
]

ROOT_URLCONF = "kiosco.urls"
# hardening: paths whose errors are problem JSON (RFC 9457), not HTML pages; an app with
# JSON endpoints appends its prefix (kiosco/lib/edge.py).
KIOSCO_JSON_PATH_PREFIXES = [
    "/billing/",
    "/api/",
    "/leases/",
    "/live/",
    "/paywall/heartbeat/",
    "/paywall/release/",
    "/newsletter/webhook/",
]
WSGI_APPLICATION = "kiosco.wsgi.application"
ASGI_APPLICATION = "kiosco.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kiosco.lib.context_processors.edition",
                # hardening: {{ CSP_NONCE }} for the rare inline <script>/<style> a page needs.
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# The database is the lease authority (ARCHITECTURE.md); SQLite runs in WAL mode with
# IMMEDIATE transactions so a writer takes its lock up front instead of failing midway.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kiosco.sqlite3'}")
try:
    # Persistent connections, not health-checked: a check is a round trip (SELECT 1) on
    # every request that touches the database, as many as the subscriber page's own. A
    # connection a database restart broke fails its request (503, Retry-After) and is
    # closed; the next request opens a new one (tests/lib/test_postgres_restart.py).
    _default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if _default_db["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "KIOSCO_LEASE_PREPARED_STATEMENTS", True
):
    # psycopg prepares nothing while this is None (Django's default): the lease read asks
    # for preparation explicitly (kiosco/leases/stores/connections.py); Django's own
    # queries bind on the client, which psycopg never prepares, whatever this says.
    _default_db.setdefault("OPTIONS", {})["prepare_threshold"] = 5
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    _default_db["CONN_MAX_AGE"] = 0
    _default_db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Parallel test runs on one PostgreSQL server (CI beside a developer) need their own
# test database; KIOSCO_TEST_DB_TAG names it.
_test_tag = env_str("KIOSCO_TEST_DB_TAG", "main")
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: browser and concurrency tests reach it from other threads.
    _default_db["TEST"] = {"NAME": str(VAR_DIR / f"test_kiosco_{_test_tag}.sqlite3")}
else:
    _default_db["TEST"] = {"NAME": f"test_kiosco_{_test_tag}"}
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate-limit counters, live notices ---------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # hardening: a Redis that is down makes cache misses, not 500s.
            "BACKEND": "kiosco.lib.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("KIOSCO_CACHE_PREFIX", "kiosco"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Version tokens (kiosco/lib/hot.py): whatever changes content or a reader's standing
# moves one, and every process must read the same: the default cache with Redis, else
# a database table (a worker or a command in a terminal changes things too).
KIOSCO_VERSIONS_IN_DEFAULT_CACHE = bool(REDIS_URL)
CACHES["versions"] = (
    CACHES["default"]
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kiosco_versions_cache",
    }
)
# Sessions: with Redis, read from it (with the request's other keys, in one round trip)
# and written through to the database, so a page costs no database round trip for its
# session and a Redis restart signs nobody out (kiosco/readers/sessions.py).
# Without Redis the cache is each process's own memory, which would let one worker
# miss another's sign-out: sessions then stay in the database alone.
SESSION_ENGINE = "kiosco.readers.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
# hardening: rate-limit counters must be shared by every worker of an edition, or each
# of `kiosco serve`'s processes counts alone and an attacker gets N times the tries.
# With Redis they live there; without it, in the database (a table kiosco/lib's
# migration creates), which every worker shares (kiosco/readers/ratelimit.py).
CACHES["ratelimit"] = (
    {
        **CACHES["default"],
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "KEY_PREFIX": env_str("KIOSCO_CACHE_PREFIX", "kiosco") + ":rl",
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kiosco_ratelimit_cache",
    }
)

# --- Accounts -----------------------------------------------------------------------
AUTH_USER_MODEL = "readers.Reader"
# Django's and allauth's backends, with the signed-in reader read from the cache instead
# of the database on every request (kiosco/readers/backends.py).
AUTHENTICATION_BACKENDS = [
    "kiosco.readers.backends.StaffBackend",
    "kiosco.readers.backends.ReaderBackend",
]
PASSWORD_HASHERS = [
    # Argon2id with explicit OWASP-minimum parameters (readers/hashers.py says why);
    # Django's own next, so hashes made with its defaults verify and get re-hashed.
    "kiosco.readers.hashers.ReaderArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # A cap, so a 4 KB password is refused before any hashing (readers/validators.py).
    {"NAME": "kiosco.readers.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 1024}},
]
KIOSCO_PASSWORD_MAX_LENGTH = 1024
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Off: a reader's sessions list when and where they signed in. Turning it on needs
# "allauth.usersessions.middleware.UserSessionsMiddleware" in MIDDLEWARE, after auth.
USERSESSIONS_TRACK_ACTIVITY = False
ACCOUNT_ADAPTER = "kiosco.readers.adapter.ReaderAccountAdapter"
# The cache keys every request reads, fetched in one round trip (kiosco/lib/hot.py):
# dotted f(request) -> list of keys; each app appends its own.
KIOSCO_HOT_KEYS = [
    "kiosco.newsroom.cache.hot_keys",
    "kiosco.readers.sessions.hot_keys",
]
# What a signed-in reader's pages need, cached as one entry (kiosco/readers/snapshot.py):
# name -> dotted f(reader) -> (data, valid until); each app adds its part.
KIOSCO_READER_SNAPSHOT: dict[str, str] = {}
# Version keys every reader's snapshot depends on besides their own (kiosco/lib/hot.py).
KIOSCO_SNAPSHOT_VERSIONS: list[str] = []
# Each app adds its sections to a reader's data export: dotted f(reader) -> dict.
KIOSCO_READER_EXPORTERS: list[str] = []
ACCOUNT_FORMS = {  # allauth's forms plus length caps on email and password
    "login": "kiosco.readers.forms.ReaderLoginForm",
    "signup": "kiosco.readers.forms.ReaderSignupForm",
    "reset_password": "kiosco.readers.forms.ReaderResetPasswordForm",
    "add_email": "kiosco.readers.forms.ReaderAddEmailForm",
    "change_email": "kiosco.readers.forms.ReaderChangeEmailForm",
}
ACCOUNT_CHANGE_EMAIL = True  # one address; a change verifies the new one, tells the old
ACCOUNT_EMAIL_NOTIFICATIONS = True  # password changed/reset, email changed: a notice mail
ACCOUNT_REAUTHENTICATION_REQUIRED = True  # email management asks for the password again
ACCOUNT_REAUTHENTICATION_TIMEOUT = 30 * 60
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{KIOSCO_EDITION_NAME}] "
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Confirming the address signs the reader in (allauth does it only in the browser that
# signed up, where the pending sign-up lives in the session). Sign-up itself cannot
# sign in with verification mandatory: it must answer the same for a taken address.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = True
LOGIN_URL = "account_login"
# readers' templates override allauth's, but allauth comes first in INSTALLED_APPS, so
# its app templates would win: put readers' directory ahead of every app directory.
_template_dirs = TEMPLATES[0]["DIRS"]
assert isinstance(_template_dirs, list)
TEMPLATES[0]["DIRS"] = [BASE_DIR / "readers" / "templates", *_template_dirs]
# Rate limits, by name (allauth's actions). "amount/period/per": per ip (the client
# address from KIOSCO_TRUSTED_PROXIES only), per key (the email typed) or per user.
# Counters live in the default cache (Redis in production); when it is down the
# limiter lets requests through and records account:ratelimit:failed_open
# (kiosco/readers/ratelimit.py). A refusal renders 429.html with status 429.
ACCOUNT_RATE_LIMITS = {
    # Wrong passwords: 10 per 5 minutes per client address and per account.
    "login_failed": "10/5m/ip,10/5m/key",
    # Any login POST from one address (slows credential stuffing across accounts).
    "login": "30/m/ip",
    # New accounts from one address.
    "signup": "10/h/ip",
    # Password-reset mails: per address, and per email typed.
    "reset_password": "20/h/ip,3/h/key",
    # The page the reset mail links to (guessing keys).
    "reset_password_from_key": "20/m/ip",
    # Verification mail resends: one per 3 minutes per address typed.
    "confirm_email": "1/3m/key",
    # Logged-in actions: password change, email management, re-authentication.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# --- Security -----------------------------------------------------------------------
SECURE_COOKIES = env_bool("KIOSCO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# hardening: a strict Content-Security-Policy (django-csp). Scripts and styles come
# from this origin's static files, or carry the request's nonce; fetch/XHR and
# EventSource (the paywall's page script, /live/) go to this origin only; no plugins,
# no framing, no <base> or form posts elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# HTTPS is usually terminated by the proxy in front; these let Kiosco enforce it itself.
SECURE_SSL_REDIRECT = env_bool("KIOSCO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("KIOSCO_HSTS_SECONDS", 0, minimum=0)
# Only these peers may tell us the client's address (X-Forwarded-For); see readers.
KIOSCO_TRUSTED_PROXIES = env_list("KIOSCO_TRUSTED_PROXIES", [])
parse_trusted_proxies(KIOSCO_TRUSTED_PROXIES)  # a typo stops start-up
# allauth must not read X-Forwarded-For itself: our adapter's get_client_ip does,
# from KIOSCO_TRUSTED_PROXIES only (kiosco/lib/client_ip.py).
ALLAUTH_TRUSTED_PROXY_COUNT = 0
if KIOSCO_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Email (kiosco/lib/email.py) ---------------------------------------------------
# Empty: one .eml file per message under var/mail/, listed at /account/outbox/ in debug.
KIOSCO_EMAIL_URL = env_str("KIOSCO_EMAIL_URL", "")
_email = email_settings(KIOSCO_EMAIL_URL, VAR_DIR / "mail")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("KIOSCO_FROM_EMAIL", f"{KIOSCO_EDITION_NAME} <noreply@localhost>")
# The address the footer's contact page gives readers.
KIOSCO_CONTACT_EMAIL = env_str("KIOSCO_CONTACT_EMAIL", "contact@localhost")

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("KIOSCO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (WhiteNoise) ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "kiosco.lib.storage.ForgivingManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Leases (see kiosco/leases/CONTEXT.md) ------------------------------------------
KIOSCO_LEASE_TTL = env_int("KIOSCO_LEASE_TTL", 180, minimum=10)
# 80 s: more than twice the page's 30 s heartbeat (the check below), and short enough
# that a screen locked without telling the page frees the slot soon (the sharing
# simulator's ablations: kiosco/insights/CONTEXT.md).
KIOSCO_LEASE_IDLE = env_int("KIOSCO_LEASE_IDLE", 80, minimum=10)
if (_idle_problem := idle_limit_problem(KIOSCO_LEASE_IDLE)) is not None:
    raise ImproperlyConfigured(_idle_problem)  # active readers would look stale
# PostgreSQL: the lease statements are prepared once per connection (server-side
# binding); set 0 behind a pooler in transaction mode that cannot keep them.
KIOSCO_LEASE_PREPARED_STATEMENTS = env_bool("KIOSCO_LEASE_PREPARED_STATEMENTS", True)
# With Redis, a device that holds is vouched for by a short-lived hint in the request's
# one cache round trip instead of a read of the lease table (kiosco/leases/hints.py).
KIOSCO_LEASE_HINTS = env_bool("KIOSCO_LEASE_HINTS", bool(REDIS_URL))
if KIOSCO_LEASE_HINTS and not REDIS_URL:  # each process's own memory: fences would not reach
    raise ImproperlyConfigured("KIOSCO_LEASE_HINTS needs REDIS_URL (a cache every process shares).")
# Rate limit "lease takeover per seat": at most this many explicit "continue here" per
# window; past it the reader gets a refusal with its reason (counted from the event log).
KIOSCO_LEASE_TAKEOVERS = env_int("KIOSCO_LEASE_TAKEOVERS", 6, minimum=1)
KIOSCO_LEASE_TAKEOVER_WINDOW = env_int("KIOSCO_LEASE_TAKEOVER_WINDOW", 600, minimum=1)
# Where "you were displaced" notices go: in-process (embedded), or across instances
# kiosco.leases.notifiers.redis_pubsub.RedisNotifier / ...postgres.PostgresNotifier.
KIOSCO_LEASE_NOTIFIER = env_str(
    "KIOSCO_LEASE_NOTIFIER",
    "kiosco.leases.notifiers.redis_pubsub.RedisNotifier"
    if REDIS_URL
    else "kiosco.leases.notifiers.memory.InProcessNotifier",
)

# --- Subscriptions & billing (see kiosco/subscriptions/CONTEXT.md) ------------------
# Who charges: "demo" (embedded edition: no payment, instant, labelled TEST MODE),
# "webhook" (any billing system posts signed events to /billing/webhook/) or "stripe"
# (Stripe posts to /billing/stripe/webhook/, verified with the stripe library).
KIOSCO_BILLING_PROVIDER = env_choice(
    "KIOSCO_BILLING_PROVIDER", "demo", ("demo", "webhook", "stripe")
)
# HMAC-SHA256 secret of the generic webhook (header Kiosco-Signature: t=…,v1=…).
KIOSCO_BILLING_WEBHOOK_SECRET = env_str("KIOSCO_BILLING_WEBHOOK_SECRET", "")
# Signed webhooks further than this many seconds from now are refused (replays).
KIOSCO_BILLING_WEBHOOK_TOLERANCE = env_int("KIOSCO_BILLING_WEBHOOK_TOLERANCE", 300, minimum=1)
# Stripe's endpoint secret (whsec_…) and API key (only the webhook is used today).
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_KEY = env_str("STRIPE_API_KEY", "")
if KIOSCO_BILLING_PROVIDER == "webhook" and not KIOSCO_BILLING_WEBHOOK_SECRET and not DEBUG:
    raise ImproperlyConfigured("KIOSCO_BILLING_PROVIDER=webhook needs a webhook secret.")
if KIOSCO_BILLING_PROVIDER == "stripe" and not STRIPE_WEBHOOK_SECRET and not DEBUG:
    raise ImproperlyConfigured("KIOSCO_BILLING_PROVIDER=stripe needs STRIPE_WEBHOOK_SECRET.")
# Rate limits of the subscriptions app, by name, in allauth's "amount/period/per" form,
# counted by allauth's limiter (so they fail open and count it, like the account ones).
KIOSCO_SUBSCRIPTION_RATE_LIMITS = {
    # Invitation emails one owner or organisation admin may send: a stolen or careless
    # account cannot turn Kiosco into a mail relay.
    "send_invitation": "20/h/user",
}
# Past due: subscribers keep reading this many days after a failed payment.
KIOSCO_PAST_DUE_GRACE_DAYS = env_int("KIOSCO_PAST_DUE_GRACE_DAYS", 7, minimum=0)
# A new version of the terms asks subscribers to accept it at their next visit.
MIDDLEWARE.append("kiosco.subscriptions.middleware.TermsAcceptanceMiddleware")
# A signed-in reader's entitlement and header summary, cached with the reader.
KIOSCO_READER_SNAPSHOT["subscriptions"] = "kiosco.subscriptions.snapshot.contribute"
KIOSCO_SNAPSHOT_VERSIONS.append("v:subscriptions:catalogue")  # plans and organisations
KIOSCO_HOT_KEYS.append("kiosco.subscriptions.services.terms.hot_keys")
KIOSCO_DEMO_LOADERS.append("kiosco.subscriptions.demo.load_personas")
KIOSCO_READER_EXPORTERS.append("kiosco.subscriptions.services.accounts.export_reader_subscriptions")

# `kiosco worker` runs these (dotted path: interval in seconds); `make run` starts one.
KIOSCO_PERIODIC_JOBS = {
    "kiosco.subscriptions.services.lifecycle.roll_over_periods": 300,
}

# --- Newsletter (see kiosco/newsletter/CONTEXT.md) ---------------------------------
# Background tasks on django-tasks with its database backend (django-tasks-db): no
# broker; `kiosco worker` runs them beside the periodic jobs (and `make run` starts it).
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "newsletter"]}
}
# Opt-in links live this many days; a second sign-up within the cooldown sends no mail.
KIOSCO_NEWSLETTER_CONFIRM_DAYS = env_int("KIOSCO_NEWSLETTER_CONFIRM_DAYS", 7, minimum=1)
KIOSCO_NEWSLETTER_RESEND_COOLDOWN = env_int("KIOSCO_NEWSLETTER_RESEND_COOLDOWN", 600, minimum=0)
# Sending: messages per second (0: as fast as the SMTP server takes them), recipients per
# task, and how long a send may go without progress before the worker resumes it.
KIOSCO_NEWSLETTER_SEND_RATE = env_int("KIOSCO_NEWSLETTER_SEND_RATE", 50, minimum=0)
KIOSCO_NEWSLETTER_BATCH_SIZE = env_int("KIOSCO_NEWSLETTER_BATCH_SIZE", 500, minimum=1)
KIOSCO_NEWSLETTER_STALL_SECONDS = env_int("KIOSCO_NEWSLETTER_STALL_SECONDS", 300, minimum=0)
# DKIM: a PEM private key file turns signing on; selector and domain name the DNS record.
KIOSCO_NEWSLETTER_DKIM_KEY_FILE = env_str("KIOSCO_NEWSLETTER_DKIM_KEY_FILE", "")
KIOSCO_NEWSLETTER_DKIM_SELECTOR = env_str("KIOSCO_NEWSLETTER_DKIM_SELECTOR", "kiosco")
KIOSCO_NEWSLETTER_DKIM_DOMAIN = env_str("KIOSCO_NEWSLETTER_DKIM_DOMAIN", "")
# The mailto: half of List-Unsubscribe (empty: the From address).
KIOSCO_NEWSLETTER_UNSUBSCRIBE_MAILTO = env_str("KIOSCO_NEWSLETTER_UNSUBSCRIBE_MAILTO", "")
# Bounce and complaint webhook: the Kiosco-Signature HMAC scheme of the billing webhook.
KIOSCO_NEWSLETTER_WEBHOOK_SECRET = env_str("KIOSCO_NEWSLETTER_WEBHOOK_SECRET", "")
KIOSCO_NEWSLETTER_WEBHOOK_TOLERANCE = env_int("KIOSCO_NEWSLETTER_WEBHOOK_TOLERANCE", 300, minimum=1)
# Rate limits of the newsletter, by name, in allauth's "amount/period/per" form, counted
# by allauth's limiter (they fail open and count it, like the account ones).
KIOSCO_NEWSLETTER_RATE_LIMITS = {
    # Sign-ups from one client address, and opt-in mails to one address typed: nobody
    # can use the form to flood a stranger's inbox or fill the table.
    "signup": "10/h/ip,3/h/key",
    # Confirmation and preference pages from one address (guessing keys).
    "confirm": "30/m/ip",
    # Test sends one editor may trigger from the admin.
    "test_send": "20/h/user",
}
KIOSCO_READER_EXPORTERS.append("kiosco.newsletter.services.export_reader_newsletter")
# The sharing notice of a signed-in reader's seat, cached with the reader.
KIOSCO_READER_SNAPSHOT["insights"] = "kiosco.insights.snapshot.contribute"
KIOSCO_PERIODIC_JOBS["kiosco.newsletter.issues.resume_stalled_sends"] = 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KIOSCO_LOG_LEVEL", "WARNING")},
}

# --- Paywall and live notices (see kiosco/paywall/CONTEXT.md, kiosco/live/CONTEXT.md) ---
# Where open subscriber pages listen for "your reading moved": same origin; the
# embedded shape serves it itself, production routes /live/ to `kiosco live`.
KIOSCO_LIVE_URL = env_str("KIOSCO_LIVE_URL", "/live/lease")
# A page that holds a lease reads its held hint with the request's other cache keys.
KIOSCO_HOT_KEYS.append("kiosco.paywall.services.hot_keys")
# Rate limits of the paywall, by name, counted like the account ones (allauth's limiter).
KIOSCO_PAYWALL_RATE_LIMITS = {
    # "That wasn't me" signs out every device and emails a reset link: a few an hour
    # per reader, so it cannot be turned into a mail flood or a sign-out loop.
    "not_me": "3/h/user",
}

# --- newsroom: pages shared by every anonymous visitor (kiosco/newsroom/pages.py) ------
# Seconds a proxy or CDN in front may serve an anonymous page without asking again
# (s-maxage); browsers always revalidate (ETag, a 304 when nothing changed).
KIOSCO_PUBLIC_CACHE_SECONDS = env_int("KIOSCO_PUBLIC_CACHE_SECONDS", 60, minimum=0)
# How long a process serves a page every anonymous visitor shares from its memory
# before it asks the cache whether the content changed (0: every request asks).
KIOSCO_PUBLIC_RECHECK_SECONDS = env_float("KIOSCO_PUBLIC_RECHECK_SECONDS", 1.0, minimum=0.0)

# --- newsroom: uploaded images and their renditions ---------------------------------
# Served by Django at MEDIA_URL in the embedded shape (kiosco.newsroom.urls); in
# production the proxy serves this folder.
MEDIA_ROOT = Path(env_str("KIOSCO_MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
