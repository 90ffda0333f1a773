"""The test settings with the sessions app installed, on SQLite and a file-based cache."""

import atexit
import shutil
import tempfile
from pathlib import Path

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, MIDDLEWARE

# A database file rather than SQLite's shared in-memory one: there, concurrent writers (the concurrent
# refresh test) get "database table is locked" at once, where a file makes them wait their turn.
_DB_DIR = tempfile.mkdtemp(prefix="jwt-sessions-db-")
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
_DB = str(Path(_DB_DIR) / "test.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _DB,
        "TEST": {"NAME": _DB},
        "OPTIONS": {"timeout": 30},
    }
}

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django.contrib.admin",
    "django.contrib.messages",
    "ninja_simple_jwt.sessions",
]
MIDDLEWARE = [*MIDDLEWARE, "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "tests.sessions.urls"
# Filled in by the conftest when a real server is used (see settings_postgres).
SERVICES: dict[str, int] = {}
