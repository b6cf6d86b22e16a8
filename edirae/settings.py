"""Edirae's one settings module, configured from environment variables.

With nothing set, Edirae runs in *embedded* mode: a SQLite file, a Celery broker on the
filesystem (no server), email printed to the console, demo accounts allowed. Setting
`DATABASE_URL` switches to production mode, where `SECRET_KEY`, `ALLOWED_HOSTS` and
`CELERY_BROKER_URL` are required. The README lists every variable.
"""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from edirae.env import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("EDIRAE_VAR_DIR", str(BASE_DIR / "var")))

DATABASE_URL = env_url("DATABASE_URL", None, schemes={"postgres", "postgresql", "pgsql", "sqlite"})
EMBEDDED = DATABASE_URL is None

DEBUG = env_bool("DEBUG", EMBEDDED)

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not EMBEDDED:
        raise ConfigurationError("SECRET_KEY must be set when DATABASE_URL is set (production).")
    SECRET_KEY = "embedded-mode-only-not-a-secret-7f3a1c9e2b5d4e6f8a0b1c2d3e4f5a6b"
elif len(SECRET_KEY) < 50:
    raise ConfigurationError("SECRET_KEY is too short: use at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if EMBEDDED else [])
if not EMBEDDED and not ALLOWED_HOSTS:
    raise ConfigurationError("ALLOWED_HOSTS must list the site's host names in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Absolute links in mails sent outside a request. Unset, it follows PORT (which `make run`
# exports to the web server and the worker alike), so mails link to the port actually served.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",  # full-text search for the AI mentor's retrieval
    "django_htmx",
    "allauth",
    "allauth.account",
    "edirae.apps.EdiraeConfig",  # deployment checks, local time signals
    "accounts",
    "tracks",
    "quizzes",
    "mentors",
    "ai_mentor",
    "reminders",
    "demo",  # the demo loader (load_demo), above the apps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NUL bytes and lone surrogates get a 400 here, before any view or session lookup.
    "edirae.middleware.RefuseUnstorableInputMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "edirae.local_time.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "edirae.urls"
WSGI_APPLICATION = "edirae.wsgi.application"
ASGI_APPLICATION = "edirae.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "reminders.context_processors.notifications",
            ],
            # Project-wide template libraries that live outside the apps.
            "libraries": {"edirae_markdown": "edirae.templatetags.edirae_markdown"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "edirae.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
else:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: PostgreSQL compiles any query its planner costs above `jit_above_cost`, and
        # ours are short ones over indexes. At 100k learners it compiled the reminder sweep's
        # weekly digest (a 250 ms query) for 200-600 ms on each run
        # (benchmarks/reminder_sweep.py, EXPLAIN ANALYZE: "JIT ... Emission").
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    "filesystem://" if EMBEDDED else None,
    schemes={"redis", "rediss", "amqp", "amqps", "filesystem", "memory"},
)
if CELERY_BROKER_URL is None:
    raise ConfigurationError("CELERY_BROKER_URL must be set in production (redis://host:6379/0).")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
# A web request that enqueues (evidence sent, a reminder sweep) must not wait on a broker that
# is down: one connection attempt, one quick retry, about a second in all (kombu's defaults
# retry for 4 s and then some: ~6.7 s per enqueue). Tasks are always enqueued after commit
# and the state lives in PostgreSQL, so a failed enqueue is logged and caught up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "connect_retries_timeout": 1.0,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {"socket_connect_timeout": 0.5, "socket_timeout": 5}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Every folder of the filesystem broker lives under var/ (kombu would otherwise create
    # its exchange table in ./control, in the work tree).
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    _control = VAR_DIR / "celery" / "control"
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
# The three periodic tasks; the README's "Reminders" and "Mentor review" sections say why.
CELERY_BEAT_SCHEDULE: dict = {
    # Finds who is due and claims each reminder once; see reminders/services.py.
    "reminders-sweep": {"task": "reminders.tasks.sweep_reminders", "schedule": 5 * 60.0},
    # Past-the-promise submissions go to the next reviewer (mentors/tasks.py).
    "mentors-escalate-overdue": {
        "task": "mentors.tasks.escalate_overdue_submissions",
        "schedule": 15 * 60.0,
    },
    # Claims a mentor left open return to the queue.
    "mentors-release-expired-claims": {
        "task": "mentors.tasks.release_expired_claims",
        "schedule": 5 * 60.0,
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# --- Cache (shared between web processes: rate limits live here) ---------------------------
# While Redis is unreachable, each process falls back to a local in-memory cache (limits hold
# per process, see edirae/cache.py); short timeouts keep that from costing a request much.
CACHE_URL = env_url("CACHE_URL", None, schemes={"redis", "rediss"})
if CACHE_URL is None and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHE_URL = CELERY_BROKER_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "edirae.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# `{% cache %}` fragments, each named by what it shows: kept in each process in front of the
# shared cache (edirae.cache.KeptFragmentCache).
FRAGMENT_CACHE = {
    "BACKEND": "edirae.cache.KeptFragmentCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 500},  # about 20 KB each at most: 10 MB a process
}
CACHES["template_fragments"] = FRAGMENT_CACHE

# --- Accounts (django-allauth) -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
# Signing in (and confirming the email on sign-up) lands on the goal form until the learner
# has given goals, then on the dashboard.
LOGIN_REDIRECT_URL = "plan:start"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Edirae] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if EMBEDDED else "https"
# Failed logins: 10 a minute per client address, and 5 per 5 minutes per (account, address),
# so nobody can lock a named account for others from one address; `login_failed_account`
# (ours, accounts/adapter.py) caps guesses at one account from everywhere at 30 an hour.
# Every other limit keeps allauth's default (signup 20/m/ip, password reset 20/m/ip and 5/m
# per address, ...). The counters live in the cache; see edirae/cache.py for Redis outages.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "login_failed_account": "30/h/key"}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Sign-up does the same work whether or not the address is registered (accounts/forms.py);
# the log-in form speaks our words. The pages and messages are in templates/account/.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "login": "accounts.forms.LoginForm"}

# --- Client addresses behind proxies --------------------------------------------------------
# Every per-address decision (allauth's limits, ours) reads edirae.http.client_ip. Behind a
# load balancer REMOTE_ADDR is the balancer: set the number of proxies you run that append to
# X-Forwarded-For, or the header your proxy sets to the client's address. Never trust a
# header your own proxy does not overwrite: clients can send any value.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER")
if TRUSTED_PROXY_COUNT and TRUSTED_CLIENT_IP_HEADER:
    raise ConfigurationError("Set TRUSTED_PROXY_COUNT or TRUSTED_CLIENT_IP_HEADER, not both.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER
ACCOUNT_PRESERVE_USERNAME_CASING = False

# --- Email ----------------------------------------------------------------------------------
# With EMAIL_HOST set, mail goes out by SMTP; without it, it is printed to the console,
# readable and with links unbroken (the embedded mode prints verification links there).
_email_host = env_str("EMAIL_HOST")
if _email_host:
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host,
            "port": env_int("EMAIL_PORT", 587, minimum=1),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
        },
    }
else:
    env_int("EMAIL_PORT", 587, minimum=1)  # still validated, so a typo is caught early
    # Printed in the terminal, decoded, so links can be copied as printed (edirae/mail.py).
    _mailer = {"BACKEND": "edirae.mail.ReadableConsoleBackend"}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Edirae <hello@edirae.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Learning Center ------------------------------------------------------------------------
# FSRS adds a little random "fuzz" to long intervals so cards learned together spread out;
# tests turn it off to compare with the library's exact intervals.
FSRS_ENABLE_FUZZING = env_bool("FSRS_ENABLE_FUZZING", True)
# Daily caps of the flashcard review session: new cards introduced, and reviews of learned cards.
FLASHCARDS_NEW_PER_DAY = env_int("FLASHCARDS_NEW_PER_DAY", 20, minimum=0)
FLASHCARDS_REVIEWS_PER_DAY = env_int("FLASHCARDS_REVIEWS_PER_DAY", 200, minimum=0)

# --- Internationalization -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Mentors and evidence -------------------------------------------------------------------
# The review promise: a submission waiting longer is offered to every mentor of its track
# and staff are told (mentors.services.escalate_overdue_submissions, run by Celery beat).
EVIDENCE_REVIEW_PROMISE_HOURS = env_int("EVIDENCE_REVIEW_PROMISE_HOURS", 48, minimum=1)
EVIDENCE_CLAIM_MINUTES = env_int("EVIDENCE_CLAIM_MINUTES", 30, minimum=1)
EVIDENCE_MAX_CLAIMS_PER_MENTOR = env_int("EVIDENCE_MAX_CLAIMS_PER_MENTOR", 3, minimum=1)
EVIDENCE_MAX_FILE_BYTES = env_int("EVIDENCE_MAX_FILE_BYTES", 10 * 1024 * 1024, minimum=1)
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 5, minimum=0)
# Extension -> the content types a browser may send for it. Anything else is refused.
EVIDENCE_ALLOWED_FILE_TYPES = {
    ".pdf": {"application/pdf"},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".txt": {"text/plain"},
    ".md": {"text/markdown", "text/x-markdown", "text/plain", "application/octet-stream"},
    ".ipynb": {"application/x-ipynb+json", "application/json", "application/octet-stream"},
}
# The pre-checker run before a submission reaches a mentor (a dotted path to a callable).
EVIDENCE_PRECHECKER = env_str("EVIDENCE_PRECHECKER", "mentors.prechecks.run_prechecks")

# --- The AI mentor --------------------------------------------------------------------------
# `local` (the default) answers offline from the track's own content; `openai` asks any
# server speaking the OpenAI chat-completions API (a hosted model, Ollama, vLLM, llama.cpp),
# grounded in the same retrieved passages, and falls back to `local` on a timeout or error.
EDIRAE_AI_BACKEND = env_choice("EDIRAE_AI_BACKEND", "local", choices={"local", "openai"})
EDIRAE_LLM_BASE_URL = env_url("EDIRAE_LLM_BASE_URL", None, schemes={"http", "https"})
EDIRAE_LLM_MODEL = env_str("EDIRAE_LLM_MODEL")
EDIRAE_LLM_API_KEY = env_str("EDIRAE_LLM_API_KEY", "")
EDIRAE_LLM_TIMEOUT = env_int("EDIRAE_LLM_TIMEOUT", 20, minimum=1)
if EDIRAE_AI_BACKEND == "openai" and not (EDIRAE_LLM_BASE_URL and EDIRAE_LLM_MODEL):
    raise ConfigurationError(
        "EDIRAE_AI_BACKEND=openai needs EDIRAE_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1) "
        "and EDIRAE_LLM_MODEL."
    )
# Questions, practice answers and feedback a learner may ask of the AI mentor per hour.
EDIRAE_AI_REQUESTS_PER_HOUR = env_int("EDIRAE_AI_REQUESTS_PER_HOUR", 30, minimum=1)
