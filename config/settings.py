"""Settings for Territoires en commun, driven by the environment (config/env.py)."""

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env, local_secret_key

# Local state (SQLite database, file cache, media, dashboard arrays, the local secret key) lives in
# var/ by default; a fresh clone has no var/, and SQLite cannot create its file in a missing folder.
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

# PRODUCTION=1 is the public deployment: it refuses to start without its own secret and hosts, and
# turns on HTTPS-only cookies, the redirect to HTTPS and HSTS (`manage.py check --deploy` is clean).
PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG=1 est interdit quand PRODUCTION=1.")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand PRODUCTION=1 (une longue valeur aléatoire, propre à ce déploiement)."
        )
    # A built-in key would let anyone forge signed links (unsubscribe, collector tokens): each local
    # installation gets its own, generated on first run.
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS est obligatoire quand PRODUCTION=1 (le nom du site public).")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "dsfr",
    # After dsfr, whose widget templates (checkboxes, radios) must win over Django's own.
    "django.forms",
    "widget_tweaks",  # django-dsfr's checkbox and radio snippets load it
    "territoires.core",
    "territoires.accounts",
    "territoires.projects",
    "territoires.notifications",
    "territoires.search",
    "territoires.library",
    "territoires.community",
    "territoires.sharing",
    "territoires.surveys",
    "territoires.diagnostic",
    "territoires.codesign",
    "territoires.plans",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# The demo data set is a separate app so that product code never imports it.
if env.bool("DEMO_APP", default=True):
    INSTALLED_APPS.append("territoires.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "territoires.core.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication: a facilitator or admin without a second factor is sent to set it up.
    "territoires.accounts.two_factor.TwoFactorRequiredMiddleware",
    "territoires.core.middleware.NullCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "territoires.core.middleware.ContentSecurityPolicyMiddleware",
    "territoires.core.middleware.DuplicateSubmissionMiddleware",
    # Last, as django-axes requires: answers a locked account's sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "territoires.core.context_processors.platform",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Databases: SQLite (WAL) in a local file by default, PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
# Persistent connections: a new connection per request costs a third (SQLite) to two thirds
# (PostgreSQL) of write throughput on this kind of machine (see shared/LIMITS.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("SQLITE_TEST_NAME", default="")
    if not DATABASES["default"]["TEST"]["NAME"]:
        del DATABASES["default"]["TEST"]["NAME"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements: only the answer INSERT uses a cursor that can prepare them (see
    # territoires/surveys/collection.py); Django's own cursors bind values client-side and never
    # do. Behind a pooler in transaction mode that cannot keep them, set DB_PREPARE_THRESHOLD=off.
    threshold = env.str("DB_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None if threshold == "off" else int(threshold)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set; otherwise files on local disk, shared by every process of
# one machine (the anonymous page cache must be seen by all gunicorn workers).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="tec"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": env.str("CACHE_BACKEND", default="django.core.cache.backends.filebased.FileBasedCache"),
            "LOCATION": env.str("CACHE_LOCATION", default=str(VAR_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Sessions are read from the cache and written through to the database: one query less per page,
# and nobody is logged out when the cache (Redis keeps nothing on disk) restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# How long a rendered public page may be served from the cache; every write bumps the content
# version, so this only bounds memory, not staleness.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=600)
# Writes that come in floods (survey answers) do not bump the version one by one: the counts they
# change on public pages are at most this late (territoires/core/cache.py).
PUBLIC_PAGE_STALE_COUNTS_SECONDS = env.int("PUBLIC_PAGE_STALE_COUNTS_SECONDS", default=60)
# A member's heavy page (territoires/core/cache.py, member_page_cache) is served again while nothing
# changed, at most this long: what no watched model holds (a notification badge) is that late.
MEMBER_PAGE_CACHE_SECONDS = env.int("MEMBER_PAGE_CACHE_SECONDS", default=60)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account before any password is checked (territoires/accounts/throttling.py).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "territoires.accounts.backends.AccountBackend",
    # Answers only ProConnect's callback, and only when PROCONNECT_CLIENT_ID is set.
    "territoires.accounts.proconnect.ProConnectBackend",
]
# Sign-in and password-reset throttling (territoires/accounts/throttling.py says why these choices).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "territoires.accounts.throttling.username_of"
AXES_CLIENT_IP_CALLABLE = "territoires.accounts.throttling.client_of"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not logged: only what throttling needs is kept
AXES_LOCKOUT_CALLABLE = "territoires.accounts.throttling.lockout_response"
AXES_VERBOSE = False
# Two-factor sign-in (territoires/accounts/two_factor.py): required for facilitators, platform admins
# and admin access when set (by default in production), optional for everyone else.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Territoires en commun")
# Wrong codes double the wait before the next try (seconds), on top of django-axes' lockout.
OTP_TOTP_THROTTLE_FACTOR = 1
# ProConnect, the State's OpenID Connect sign-in for public agents (territoires/accounts/proconnect.py):
# off unless the client id, secret and the provider's address (PROCONNECT_DOMAIN, e.g. the "/api/v2"
# base of the integration or production environment given with the credentials) are all set.
PROCONNECT_CLIENT_ID = env.str("PROCONNECT_CLIENT_ID", default="")
PROCONNECT_CLIENT_SECRET = env.str("PROCONNECT_CLIENT_SECRET", default="")
PROCONNECT_DOMAIN = env.str("PROCONNECT_DOMAIN", default="").rstrip("/")
if PRODUCTION and PROCONNECT_DOMAIN and not PROCONNECT_DOMAIN.startswith("https://"):
    # Codes, tokens and the client secret travel to that address.
    raise ImproperlyConfigured("PROCONNECT_DOMAIN doit être une adresse https:// quand PRODUCTION=1.")
# mozilla-django-oidc's fixed settings; its client id, secret and endpoints are derived from the three
# above at each use (territoires/accounts/proconnect.py::proconnect_setting).
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email given_name usual_name siret uid"
# ProConnect asks for the eIDAS level in the authorisation request.
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect_callback"
PASSWORD_RESET_LIMIT_PER_HOUR = env.int("PASSWORD_RESET_LIMIT_PER_HOUR", default=3)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:dashboard"
LOGOUT_REDIRECT_URL = "projects:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploaded and generated files (territoires/core/storage.py): on local disk by default, MEDIA_ROOT for
# uploads and PRIVATE_MEDIA_ROOT (default: "private" beside MEDIA_ROOT, never under it) for private files.
PRIVATE_MEDIA_ROOT = env.str("PRIVATE_MEDIA_ROOT", default="") or None
# Behind nginx: the internal location's prefix (e.g. "/_fichiers/") from which the proxy sends files
# on local disk once a view has checked the reader's rights (X-Accel-Redirect, docs/deployment.md).
# Empty: the application sends them itself. Ignored for files in a bucket.
FILES_ACCEL_REDIRECT = env.str("FILES_ACCEL_REDIRECT", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "territoires.core.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# With several servers, files go to an S3-compatible bucket (any provider, or a self-hosted one) shared by
# every app server and worker: uploads under MEDIA_S3_PREFIX, private files under MEDIA_S3_PRIVATE_PREFIX
# (or in MEDIA_S3_PRIVATE_BUCKET). Objects are written without any public ACL and get no URL, signed or
# not: views stream them after checking rights, as on disk (territoires/core/storage.py says why).


def s3_storages(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    addressing_style: str = "path",
    media_prefix: str = "media",
    private_bucket: str | None = None,
    private_prefix: str = "private",
) -> dict:
    """The "default" and "private" entries of STORAGES for a bucket (tests/s3_support.py uses it too)."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "addressing_style": addressing_style,
        "default_acl": None,
        # Two uploads with the same name never replace each other (as on disk).
        "file_overwrite": False,
    }
    return {
        "default": {"BACKEND": "territoires.core.s3.MediaS3Storage", "OPTIONS": {**options, "location": media_prefix}},
        "private": {
            "BACKEND": "territoires.core.s3.PrivateS3Storage",
            "OPTIONS": {**options, "bucket_name": private_bucket or bucket, "location": private_prefix},
        },
    }


MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES.update(
        s3_storages(
            bucket=MEDIA_S3_BUCKET,
            endpoint_url=env.str("MEDIA_S3_ENDPOINT_URL", default=""),
            region=env.str("MEDIA_S3_REGION", default=""),
            access_key=env.str("MEDIA_S3_ACCESS_KEY_ID", default=""),
            secret_key=env.str("MEDIA_S3_SECRET_ACCESS_KEY", default=""),
            addressing_style=env.str("MEDIA_S3_ADDRESSING_STYLE", default="path"),
            media_prefix=env.str("MEDIA_S3_PREFIX", default="media"),
            private_bucket=env.str("MEDIA_S3_PRIVATE_BUCKET", default=""),
            private_prefix=env.str("MEDIA_S3_PRIVATE_PREFIX", default="private"),
        )
    )
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: deliberation documents and other PDFs.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = (MAX_UPLOAD_MB + 1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# ZIP archives (office files, XLSX imports, zipped imports) are inspected before anything is inflated
# (territoires/core/archives.py): members, declared inflated total, and compression ratio of big members.
ARCHIVE_MAX_MEMBERS = env.int("ARCHIVE_MAX_MEMBERS", default=10_000)
ARCHIVE_MAX_TOTAL_MB = env.int("ARCHIVE_MAX_TOTAL_MB", default=100)
ARCHIVE_MAX_RATIO = env.int("ARCHIVE_MAX_RATIO", default=100)
ARCHIVE_RATIO_FROM_MB = env.int("ARCHIVE_RATIO_FROM_MB", default=1)
# Directory imports (territoires/diagnostic/imports/): a national open-data file is bigger than a
# document, hence its own size limit; rows past the limit are refused before anything is mapped.
DIRECTORY_IMPORT_MAX_MB = env.int("DIRECTORY_IMPORT_MAX_MB", default=60)
DIRECTORY_IMPORT_MAX_ROWS = env.int("DIRECTORY_IMPORT_MAX_ROWS", default=100_000)
# REFI-QDA imports (territoires/diagnostic/qdpx/reader.py): the upload, then each part once inflated.
QDPX_IMPORT_MAX_MB = env.int("QDPX_IMPORT_MAX_MB", default=60)
QDPX_CODEBOOK_MAX_MB = env.int("QDPX_CODEBOOK_MAX_MB", default=5)
QDPX_QDE_MAX_MB = env.int("QDPX_QDE_MAX_MB", default=60)
QDPX_SOURCE_MAX_MB = env.int("QDPX_SOURCE_MAX_MB", default=5)
QDPX_SOURCE_MAX_CHARS = env.int("QDPX_SOURCE_MAX_CHARS", default=1_000_000)
QDPX_MAX_SOURCES = env.int("QDPX_MAX_SOURCES", default=2_000)
QDPX_MAX_CODES = env.int("QDPX_MAX_CODES", default=2_000)
QDPX_MAX_CODINGS = env.int("QDPX_MAX_CODINGS", default=100_000)

# Background tasks (exports, imports, analyses, e-mail digests) never run inside a request: they are
# stored in the database and run by `manage.py db_worker` (started by `make run`). Tests run them inline.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Workers beat every few seconds; a task left running by a worker silent for longer than the limit is
# run again by another one, at most TASK_MAX_ATTEMPTS times (territoires/core/task_workers.py).
TASK_WORKER_HEARTBEAT_SECONDS = env.float("TASK_WORKER_HEARTBEAT_SECONDS", default=5.0)
TASK_WORKER_LOST_AFTER_SECONDS = env.float("TASK_WORKER_LOST_AFTER_SECONDS", default=60.0)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=5)

# Behind a reverse proxy every request comes from the proxy: name the header it sets with the
# client's address (e.g. HTTP_X_REAL_IP); never trusted unless set. Counts survey answers and
# sign-in attempts per client (territoires/core/clients.py). SURVEY_CLIENT_ADDRESS_HEADER is its
# former name, still read.
CLIENT_ADDRESS_HEADER = env.str("CLIENT_ADDRESS_HEADER", default=env.str("SURVEY_CLIENT_ADDRESS_HEADER", default=""))

# Resident survey: answers accepted per minute from one client (identified by a salted hash of its
# address, kept in the cache only), and where dashboard arrays are persisted between restarts.
SURVEY_RATE_LIMIT_PER_MINUTE = env.int("SURVEY_RATE_LIMIT_PER_MINUTE", default=30)
# How long a field device may send its queue after its page was last opened online by a signed-in
# survey group member (the collector token); removal from the group, a deactivated account or a
# new password revoke it sooner (territoires/surveys/collection.py).
SURVEY_COLLECTOR_TOKEN_SECONDS = env.int("SURVEY_COLLECTOR_TOKEN_SECONDS", default=3 * 24 * 3600)
SURVEY_ARRAYS_DIR = env.path("SURVEY_ARRAYS_DIR", default=VAR_DIR / "arrays")

# The platform's public address, for links in e-mails (sent by background tasks, outside any request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Background map tiles for Leaflet maps (static/vendor/leaflet-1.9.4). Empty: no tiles are requested
# and maps show their points on a plain background (every map also has its list); set it to a tile
# server you are allowed to use, for example the IGN Géoplateforme's WMTS "Plan IGN" in XYZ form.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
# How long the link of an invitation to join an organisation stays valid (territoires/accounts/invitations.py).
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# How long a person's download of their personal data stays available (territoires/accounts/privacy.py);
# `manage.py apply_retention` deletes older ones.
PERSONAL_DATA_EXPORT_DAYS = env.int("PERSONAL_DATA_EXPORT_DAYS", default=7)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Territoires en commun <ne-pas-repondre@territoires.example>"
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS: the redirect and Strict-Transport-Security are on by default in production. Behind a reverse
# proxy that terminates TLS, SECURE_PROXY_SSL_HEADER=1 trusts its X-Forwarded-Proto header (only
# when the proxy sets it itself and strips the client's).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
# Entering the browsers' preload list is a commitment for the whole domain: the operator's decision.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # Accounts are locked by address, not by client: rotating user agents or cookies does not get
    # around it, and a town hall behind one address is not locked out by one colleague's typos.
    "axes.W006",
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# django-dsfr
DSFR_MARK_OPTIONAL_FIELDS = True
# django-dsfr writes integrity hashes of its original CSS and JS into the pages, but the manifest
# storage above rewrites the url() references inside the collected CSS: the browser then refuses
# the stylesheet and every page is shown unstyled. The files are served from our own origin.
DSFR_USE_INTEGRITY_CHECKSUMS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused or missing page (403, 404…) is one line without its traceback; a 500 keeps it.
    "filters": {"one_line_client_errors": {"()": "territoires.core.log_filters.OneLineClientErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "console_warnings": {"class": "logging.StreamHandler", "level": "WARNING"},
    },
    "loggers": {
        "django.request": {"filters": ["one_line_client_errors"]},
        # The sortition package (panel draws) gives its loggers a stdout handler at INFO unless they
        # already have one: its progress lines are in the draw's report; only its warnings are logged.
        "sortition_algorithms": {"handlers": ["console_warnings"], "propagate": False},
        "sortition_algorithms_user": {"handlers": ["console_warnings"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
