"""Settings of the example project: a django-ninja API behind ninja_simple_jwt, on SQLite.

Environment variables, so that one file serves the demo, the tests and a deployment:
- EXAMPLE_DEBUG: "1" (the default) for development; "0" for production, which then needs
  EXAMPLE_SECRET_KEY. `python manage.py check --deploy` is clean apart from HTTPS (see EXAMPLE_HTTPS).
- EXAMPLE_HTTPS: "1" behind a proxy that terminates TLS and sets X-Forwarded-Proto: redirects plain HTTP
  and sends HSTS.
- EXAMPLE_ALLOWED_HOSTS: comma-separated (default: the loopback names).
- EXAMPLE_DB: the SQLite file.
- EXAMPLE_ACCESS_SECONDS: access-token lifetime in seconds, with no leeway (the browser tests make it short).
- EXAMPLE_JWT_ALGORITHM: JWT_ALGORITHM, the algorithm `demo_setup` and `make_jwt_key` make keys for
  ("RS256", the default, "ES256" or "EdDSA").
- EXAMPLE_KEY_RELOAD_SECONDS: JWT_KEY_RELOAD_INTERVAL in seconds (the rotation tests make it short).
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
    "demo",
]
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# The keys live where `make_jwt_key` writes them by default: jwt-signing.pem and jwt-signing.pub in the
# directory the server runs in, and jwt-signing.previous.pub once they are rotated. Everything else is left
# at its default, as the README documents it.
NINJA_SIMPLE_JWT: dict[str, object] = {}
if os.environ.get("EXAMPLE_ACCESS_SECONDS"):
    NINJA_SIMPLE_JWT["JWT_ACCESS_TOKEN_LIFETIME"] = timedelta(seconds=float(os.environ["EXAMPLE_ACCESS_SECONDS"]))
    NINJA_SIMPLE_JWT["JWT_LEEWAY"] = timedelta(0)
if os.environ.get("EXAMPLE_JWT_ALGORITHM"):
    NINJA_SIMPLE_JWT["JWT_ALGORITHM"] = os.environ["EXAMPLE_JWT_ALGORITHM"]
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
