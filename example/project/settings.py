"""Settings of the example project: a django-ninja API behind ninja_simple_jwt, with sessions, on SQLite.

Environment variables, so that one file serves the demo, the tests and a deployment:
- EXAMPLE_DEBUG: "1" (the default) for development; "0" for production, which then needs
  EXAMPLE_SECRET_KEY. `python manage.py check --deploy` is clean apart from HTTPS (see EXAMPLE_HTTPS).
- EXAMPLE_HTTPS: "1" behind a proxy that terminates TLS and sets X-Forwarded-Proto: redirects plain HTTP
  and sends HSTS.
- EXAMPLE_ALLOWED_HOSTS: comma-separated (default: the loopback names).
- EXAMPLE_DB: the SQLite file.
- EXAMPLE_PG_HOST (with EXAMPLE_PG_PORT, EXAMPLE_PG_NAME, EXAMPLE_PG_USER, EXAMPLE_PG_PASSWORD): use
  PostgreSQL instead of SQLite.
- EXAMPLE_REDIS_URL: Django's RedisCache at this URL, and access tokens of ended sessions refused at
  once in every worker and host (JWT_REVOKE_ACCESS_TOKENS). Without it: the local-memory cache.
- EXAMPLE_ACCESS_SECONDS: access-token lifetime in seconds, with no leeway (the browser tests make it short).
- EXAMPLE_JWT_ALGORITHM: JWT_ALGORITHM, the algorithm `demo_setup` and `make_jwt_key` make keys for
  ("RS256", the default, "ES256" or "EdDSA").
- EXAMPLE_KEY_RELOAD_SECONDS: JWT_KEY_RELOAD_INTERVAL in seconds (the rotation tests make it short).
- EXAMPLE_REUSE_GRACE_SECONDS: JWT_REFRESH_REUSE_GRACE in seconds (default 10).
- EXAMPLE_SESSIONS: "0" leaves out the sessions app: stateless tokens, as the original package (which has
  no such app: `make bench` serves this project with it too).
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("EXAMPLE_DEBUG", "1") == "1"
if DEBUG:
    SECRET_KEY = os.environ.get("EXAMPLE_SECRET_KEY", "example-development-only-" + "x" * 40)
elif os.environ.get("EXAMPLE_SECRET_KEY"):
    SECRET_KEY = os.environ["EXAMPLE_SECRET_KEY"]
else:
    raise ImproperlyConfigured("EXAMPLE_DEBUG=0 needs EXAMPLE_SECRET_KEY (50 or more random characters).")
ALLOWED_HOSTS = os.environ.get("EXAMPLE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "ninja",  # the templates and static files of the API docs page
    "ninja_simple_jwt",
    "ninja_simple_jwt.sessions",  # sessions that end: rotation, sign-out, the session list
    "demo",
]
SESSIONS = os.environ.get("EXAMPLE_SESSIONS", "1") == "1"
if not SESSIONS:
    INSTALLED_APPS.remove("ninja_simple_jwt.sessions")
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # django-ninja exempts its API from CSRF checks unless asked; the web refresh cookie is SameSite=Strict.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_SECURE = not DEBUG
if os.environ.get("EXAMPLE_HTTPS") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
ROOT_URLCONF = "project.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
STATIC_URL = "static/"
WSGI_APPLICATION = "project.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB", str(BASE_DIR / "db.sqlite3")),
        # Keep a worker's connection between requests: opening one costs about a millisecond, more
        # than the refresh route's own work (it reads the user again).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}
if os.environ.get("EXAMPLE_PG_HOST"):
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ["EXAMPLE_PG_HOST"],
        "PORT": os.environ.get("EXAMPLE_PG_PORT", "5432"),
        "NAME": os.environ.get("EXAMPLE_PG_NAME", "example"),
        "USER": os.environ.get("EXAMPLE_PG_USER", "postgres"),
        "PASSWORD": os.environ.get("EXAMPLE_PG_PASSWORD", ""),
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# The keys live where `make_jwt_key` writes them by default: jwt-signing.pem and jwt-signing.pub in the
# directory the server runs in, and jwt-signing.previous.pub once they are rotated. Everything else is left
# at its default, as the README documents it.
NINJA_SIMPLE_JWT: dict[str, object] = {}
if SESSIONS:
    NINJA_SIMPLE_JWT["JWT_ROTATE_REFRESH_TOKENS"] = True
if os.environ.get("EXAMPLE_REUSE_GRACE_SECONDS"):
    NINJA_SIMPLE_JWT["JWT_REFRESH_REUSE_GRACE"] = timedelta(seconds=float(os.environ["EXAMPLE_REUSE_GRACE_SECONDS"]))
if os.environ.get("EXAMPLE_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["EXAMPLE_REDIS_URL"],
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    if SESSIONS:
        NINJA_SIMPLE_JWT["JWT_REVOKE_ACCESS_TOKENS"] = True
if os.environ.get("EXAMPLE_ACCESS_SECONDS"):
    NINJA_SIMPLE_JWT["JWT_ACCESS_TOKEN_LIFETIME"] = timedelta(seconds=float(os.environ["EXAMPLE_ACCESS_SECONDS"]))
    NINJA_SIMPLE_JWT["JWT_LEEWAY"] = timedelta(0)
if os.environ.get("EXAMPLE_JWT_ALGORITHM"):
    NINJA_SIMPLE_JWT["JWT_ALGORITHM"] = os.environ["EXAMPLE_JWT_ALGORITHM"]
if os.environ.get("EXAMPLE_JWT_ISSUER"):
    # One sign-in, many services: other services trust this issuer (the README's "Many services").
    NINJA_SIMPLE_JWT["JWT_ISSUER"] = os.environ["EXAMPLE_JWT_ISSUER"]
    NINJA_SIMPLE_JWT["JWT_AUDIENCE"] = os.environ.get("EXAMPLE_JWT_AUDIENCE", "example-api")
if os.environ.get("EXAMPLE_TRUSTED_ISSUER"):
    # Another issuer's access tokens, verified with the keys it publishes (bench/trusted.py).
    NINJA_SIMPLE_JWT["JWT_TRUSTED_ISSUERS"] = [
        {
            "issuer": os.environ["EXAMPLE_TRUSTED_ISSUER"],
            "audience": os.environ["EXAMPLE_TRUSTED_AUDIENCE"],
            "jwks_url": os.environ["EXAMPLE_TRUSTED_JWKS_URL"],
        }
    ]
if os.environ.get("EXAMPLE_KEY_RELOAD_SECONDS"):
    NINJA_SIMPLE_JWT["JWT_KEY_RELOAD_INTERVAL"] = timedelta(seconds=float(os.environ["EXAMPLE_KEY_RELOAD_SECONDS"]))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # Server errors reach the console whatever DEBUG is (Django's default shows them only in DEBUG).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "ninja_simple_jwt": {"handlers": ["console"], "level": "INFO"},
    },
}
