"""Beffroi settings: one module, configured from environment variables with safe defaults.

BEFFROI_DATA_DIR  where the SQLite database, secret key, media and collected static files live (./.beffroi)
DATABASE_URL      sqlite:///… (default, WAL mode) or postgres://…
SECRET_KEY        generated once into the data directory when absent
DEBUG             off unless set
ALLOWED_HOSTS     comma-separated host names (default: localhost names only)
EMAIL_URL         smtp://…, consolemail:// (default) …
"""

import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env.str("BEFFROI_DATA_DIR", default=".beffroi")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The SECRET_KEY from the environment, or one generated once and kept in the data directory."""
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the form renderer (core.form_renderer) finds the widget templates through TEMPLATES
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs page (/api/docs) served with its own Swagger UI files, not from a CDN
    "beffroi.core",
    "beffroi.accounts",
    "beffroi.territory",
    "beffroi.reports",
    "beffroi.budgeting",
    "beffroi.datahub",
    "beffroi.funding",
    "beffroi.planning",
    "beffroi.participation",
    "beffroi.procedures",
]

# The header middlewares come first, around every other one: the responses that WhiteNoise (static files) and
# the early middlewares below (an archived commune, a NUL character, a body too large) return themselves get
# their CSP and their X-Frame-Options too.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "beffroi.core.middleware.CommuneMiddleware",
    "beffroi.core.db_router.ReplicaReadsMiddleware",  # after the commune: it reads the path without the slug
    "beffroi.core.middleware.FrenchFirstLocaleMiddleware",
    "beffroi.core.middleware.RequestSizeMiddleware",
    "beffroi.core.middleware.NulCharacterMiddleware",
    "beffroi.core.modules.ModuleSwitchMiddleware",
    "beffroi.core.page_cache.FreshAfterWriteMiddleware",  # a write renews the kept pages (core.page_cache)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "beffroi.core.middleware.MethodNotAllowedMiddleware",  # innermost: the view's empty 405, in the visitor's language
]

ROOT_URLCONF = "beffroi.urls"
WSGI_APPLICATION = "beffroi.wsgi.application"

FORM_RENDERER = "beffroi.core.form_renderer.FormRenderer"  # one field and one error-summary template
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
                "beffroi.core.context_processors.platform",
                "beffroi.accounts.context_processors.viewer_role",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'beffroi.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE transactions avoid "database is locked"
    # upgrades in the middle of a write; busy timeout rides out short write bursts.
    # synchronous=NORMAL in WAL mode: a killed process loses no committed transaction (tests/durability); a power
    # cut or a crash of the machine may lose the last ones. FULL syncs the log at every commit (docs/operations.md).
    _synchronous = env.str("BEFFROI_SQLITE_SYNCHRONOUS", default="NORMAL").upper()
    if _synchronous not in ("NORMAL", "FULL"):
        raise ValueError("BEFFROI_SQLITE_SYNCHRONOUS: NORMAL or FULL")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Opening a SQLite connection runs the pragmas above: keep it for the thread's next requests (measured:
    # twice the requests per second of a fresh connection per request, bench/http_pages.py).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Through pgbouncer in transaction pooling (docs/operations.md, « Beyond one machine »): a server-side
    # cursor would outlive the transaction its server connection was lent for. Django already binds parameters
    # on the client (no prepared statement kept on a server connection): leave OPTIONS server_side_binding unset.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("BEFFROI_PGBOUNCER", default=False)
# A streaming replica for the read-heavy paths (core.db_router): Open311 and NGSI-LD reads, the data dashboards.
# Unset, every query goes to "default" as before. A libpq multi-host address whose last host is the primary
# (or its pgbouncer) with target_session_attrs=prefer-standby keeps those reads working when the replica is
# down: the health check drops the dead connection and the next one lands on the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"].get(
        "DISABLE_SERVER_SIDE_CURSORS", False
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["beffroi.core.db_router.ReplicaRouter"]
# The requests whose reads may go to the replica (GET and HEAD only; path after the commune's slug).
BEFFROI_REPLICA_PATHS = env.list(
    "BEFFROI_REPLICA_PATHS",
    default=[r"^/open311/", r"^/ngsi-ld/", r"^/donnees/$", r"^/donnees/equipement/\d+/(export\.csv)?$"],
)
# After a request that wrote, the same browser reads the primary for this many seconds (read-your-writes
# across the redirect that follows a form, whatever the replica's lag).
BEFFROI_REPLICA_PIN_SECONDS = env.int("BEFFROI_REPLICA_PIN_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# "fragments": rendered pieces of pages (a list's rows, an API list's items) kept per process under a key made of
# everything they show (docs/contributing.md, « A fragment worth caching »): a changed row has a new key, so
# nothing is invalidated by hand and nothing stale is served; the timeout only frees memory. Per process (no
# shared server to run); each process fills its own copy. Room for a syndicat's pages: with 200 communes the rows
# and API items met in a minute of mixed traffic are about 80,000 per process; at 20,000 entries a third of the
# rows were culled before their next visit (bench/syndicat.py). A row is about a kilobyte.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "beffroi-default"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "beffroi-fragments",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 150000, "CULL_FREQUENCY": 4},
    },
    # "pages": a commune's busiest public pages as a visitor without an account sees them, kept
    # BEFFROI_PAGE_CACHE_SECONDS per process (core.page_cache; 0 turns it off). Compressed, a page is 3 to 8 kB.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "beffroi-pages",
        "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4},
    },
}
BEFFROI_PAGE_CACHE_SECONDS = env.int("BEFFROI_PAGE_CACHE_SECONDS", default=30)
# Sessions in the database (SQLite or PostgreSQL), like the task queue: any app server behind the proxy
# serves any request, and none keeps state of its own.
SESSION_ENGINE = "beffroi.accounts.sessions"  # Django's database store, its lookup built once (core.prepared)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"  # « Mon espace »: what needs the member's attention, by role
LOGOUT_REDIRECT_URL = "core:home"

# Brute-force protection: 5 failures per account and address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Failures are counted per normalised address (Foo@X.fr = foo@x.fr), or each spelling would get its own 5 tries.
AXES_USERNAME_CALLABLE = "beffroi.accounts.forms.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The address lockouts count by: the real client's behind a trusted reverse proxy (core.abuse.client_ip).
AXES_CLIENT_IP_CALLABLE = "beffroi.core.abuse.client_ip"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("BEFFROI_STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
# Uploaded files (photos, démarches' pieces) go through Django's storage API only: several app servers share
# them through a shared directory (BEFFROI_MEDIA_ROOT on NFS or the like) or S3-compatible object storage
# (BEFFROI_S3_BUCKET, with the optional dependency: pip install "beffroi[s3]"); docs/operations.md.
MEDIA_ROOT = Path(env.str("BEFFROI_MEDIA_ROOT", default=str(DATA_DIR / "media")))
_MEDIA_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if env.str("BEFFROI_S3_BUCKET", default=""):
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("BEFFROI_S3_BUCKET"),
            "endpoint_url": env.str("BEFFROI_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("BEFFROI_S3_REGION", default="") or None,
            "access_key": env.str("BEFFROI_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("BEFFROI_S3_SECRET_KEY", default="") or None,
            "default_acl": None,  # private: files are served through the views that check who may see them
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 3600

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Beffroi <ne-pas-repondre@beffroi.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env.str("BEFFROI_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Security: everything that `check --deploy` asks for, HTTPS features only when behind TLS.
SECURE_HTTPS = env.bool("BEFFROI_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = False
# Behind a reverse proxy (nginx, Caddy) that sets X-Forwarded-Proto and appends the client's address to
# X-Forwarded-For: core.abuse.client_ip then reads the address that proxy saw, for requests that come from one
# of the trusted proxies (addresses or networks; loopback by default); rate limits and axes count by it.
BEFFROI_BEHIND_PROXY = env.bool("BEFFROI_BEHIND_PROXY", default=False)
BEFFROI_TRUSTED_PROXIES = env.list("BEFFROI_TRUSTED_PROXIES", default=["127.0.0.0/8", "::1"])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEFFROI_BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The language chosen in the footer (i18n/setlang): no script reads it, it travels like the session cookie.
LANGUAGE_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # Served over plain HTTP on loopback for a village's own machine; the reverse proxy redirects to HTTPS.
    "security.W008",
    # HSTS preload is a decision for each host, not the default.
    "security.W021",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The whole request (photos included): over it, 413 before the body is read (core.middleware).
BEFFROI_MAX_REQUEST_BYTES = env.int("BEFFROI_MAX_REQUEST_BYTES", default=32 * 1024 * 1024)
# The instance's public address, for links in e-mails and texts built outside a request (core.links).
BEFFROI_SITE_URL = env.str("BEFFROI_SITE_URL", default="http://127.0.0.1:8000")
# Who hosts the service, named in every commune's legal notice (LCEN art. 6-III: name, address, telephone).
BEFFROI_HOSTING_NAME = env.str("BEFFROI_HOSTING_NAME", default="")
BEFFROI_HOSTING_ADDRESS = env.str("BEFFROI_HOSTING_ADDRESS", default="")
BEFFROI_HOSTING_PHONE = env.str("BEFFROI_HOSTING_PHONE", default="")


# Sign-in through the State's OpenID Connect federations (accounts.oidc; docs/sign-in.md): FranceConnect for
# residents, ProConnect for agents and élus. A provider is offered only once its client id, secret and issuer
# (or its endpoints) are set. Its endpoints are read from the issuer's discovery document unless given.
def _oidc_provider(prefix: str, *, scopes: str, acr_values: str = "", extra: str = "") -> dict[str, object]:
    return {
        "issuer": env.str(f"{prefix}_ISSUER", default="").rstrip("/"),
        "client_id": env.str(f"{prefix}_CLIENT_ID", default=""),
        "client_secret": env.str(f"{prefix}_CLIENT_SECRET", default=""),
        "scopes": env.str(f"{prefix}_SCOPES", default=scopes),
        "acr_values": env.str(f"{prefix}_ACR_VALUES", default=acr_values),
        "sign_algo": env.str(f"{prefix}_SIGN_ALGO", default="RS256"),
        "authorization_endpoint": env.str(f"{prefix}_AUTHORIZATION_ENDPOINT", default=""),
        "token_endpoint": env.str(f"{prefix}_TOKEN_ENDPOINT", default=""),
        "userinfo_endpoint": env.str(f"{prefix}_USERINFO_ENDPOINT", default=""),
        "jwks_endpoint": env.str(f"{prefix}_JWKS_ENDPOINT", default=""),
        "end_session_endpoint": env.str(f"{prefix}_END_SESSION_ENDPOINT", default=""),
        # Extra parameters of the authorization request, as a query string (e.g. "prompt=login consent").
        "extra_params": env.str(f"{prefix}_EXTRA_PARAMS", default=extra),
    }


BEFFROI_OIDC_PROVIDERS = {
    "franceconnect": _oidc_provider(
        "FRANCECONNECT",
        scopes="openid given_name family_name email",
        acr_values="eidas1",
        extra="prompt=login consent",
    ),
    "proconnect": _oidc_provider("PROCONNECT", scopes="openid email given_name usual_name siret idp_id"),
}
BEFFROI_OIDC_TIMEOUT = env.float("BEFFROI_OIDC_TIMEOUT", default=5.0)

# How long the link of an invitation to join a commune's staff stays valid, in days (accounts.services).
BEFFROI_INVITATION_DAYS = env.int("BEFFROI_INVITATION_DAYS", default=14)
# The price of a kWh of electricity (euros, VAT included) the data dashboards turn the public buildings'
# consumption into euros with: a commune's contract price (the regulated tariff was about 0.25 € in 2025).
BEFFROI_ENERGY_PRICE_EUR_PER_KWH = env.float("BEFFROI_ENERGY_PRICE_EUR_PER_KWH", default=0.25)

# The base map's tile service (docs/operations.md): IGN Géoplateforme's Plan IGN by default, public and keyless.
# BEFFROI_TILE_URL=none (or empty) draws the maps from the commune's own vector layers alone, with no
# third-party request; the vector layers also show wherever a tile cannot be reached.
BEFFROI_TILE_URL_PLAN_IGN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
BEFFROI_TILE_URL = env.str("BEFFROI_TILE_URL", default=BEFFROI_TILE_URL_PLAN_IGN)
if BEFFROI_TILE_URL.strip().lower() in ("", "none", "aucun"):
    BEFFROI_TILE_URL = ""
BEFFROI_TILE_ATTRIBUTION = env.str(
    "BEFFROI_TILE_ATTRIBUTION",
    default="© IGN – Plan IGN" if BEFFROI_TILE_URL == BEFFROI_TILE_URL_PLAN_IGN else "",
)
BEFFROI_TILE_MAX_ZOOM = env.int("BEFFROI_TILE_MAX_ZOOM", default=19)


def _origin(url: str) -> str:
    """scheme://host[:port] of an address (a tile URL's « {s} » subdomain read as « a »), or "" for none."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


# the one third-party origin the CSP lets images come from
BEFFROI_TILE_ORIGIN = _origin(BEFFROI_TILE_URL)
# The MQTT broker keeps the worker's messages without limit while it is stopped (max_queued_messages 0, as in
# docs/mosquitto/beffroi.conf): `beffroi mqtt` then no longer warns at start that it may lose some.
BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED = env.bool("BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED", default=False)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", *([BEFFROI_TILE_ORIGIN] if BEFFROI_TILE_ORIGIN else [])],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


# The sign-in buttons and the logout send the browser to the configured providers: their origins are allowed
# as form targets (a form's redirect to another origin is otherwise blocked by form-action).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += sorted(
    {
        _origin(str(provider[key]))
        for provider in BEFFROI_OIDC_PROVIDERS.values()
        if provider["client_id"]
        for key in ("issuer", "authorization_endpoint", "end_session_endpoint")
        if provider[key]
    }
    - {""}
)

# Outbound requests that clients cause (remote JSON-LD @context, NGSI-LD notifications; docs/operations.md):
# public Internet addresses only, except the host names listed here (an on-premise integration on the local
# network); one deadline for the whole exchange, in seconds; a size cap on what is read.
OUTBOUND_ALLOWED_PRIVATE_HOSTS = env.list("BEFFROI_OUTBOUND_ALLOWED_PRIVATE_HOSTS", default=[])
OUTBOUND_TIMEOUT = env.float("BEFFROI_OUTBOUND_TIMEOUT", default=2.0)
OUTBOUND_MAX_BYTES = env.int("BEFFROI_OUTBOUND_MAX_BYTES", default=2_000_000)
# Remote @context documents are fetched only from these hosts (the bundled contexts need no network), and
# each client may cause this many fetches a minute.
DATAHUB_CONTEXT_ALLOWLIST = env.list(
    "BEFFROI_CONTEXT_ALLOWLIST",
    default=[
        "uri.etsi.org",
        "forge.etsi.org",
        "raw.githubusercontent.com",
        "smartdatamodels.org",
        "schema.org",
    ],
)
DATAHUB_CONTEXT_FETCHES_PER_MINUTE = env.int("BEFFROI_CONTEXT_FETCHES_PER_MINUTE", default=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"beffroi": {"level": env.str("LOG_LEVEL", default="INFO")}},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
# limit and offset bounded (a 30-digit offset would otherwise overflow the database's integer: a 500).
NINJA_PAGINATION_CLASS = "beffroi.core.pagination.LimitOffsetPagination"
CSRF_FAILURE_VIEW = "beffroi.core.views.csrf_failure"
