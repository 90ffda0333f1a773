"""Settings of the example project: a django-ninja API behind ninja_simple_jwt, on SQLite.

Environment variables let the tests run it elsewhere: EXAMPLE_DEBUG (1 by default), EXAMPLE_DB (the
SQLite file), EXAMPLE_SECRET_KEY.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("EXAMPLE_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("EXAMPLE_SECRET_KEY", "example-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

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
]
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

# The keys live where `make_rsa` writes them by default: jwt-signing.pem and jwt-signing.pub in the
# directory the server runs in. Everything else is left at its default, as the README documents it.
NINJA_SIMPLE_JWT: dict[str, object] = {}

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
