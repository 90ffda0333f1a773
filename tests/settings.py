"""Django settings for the test suite. Keys live in each test's own working directory (see conftest)."""

import atexit
import shutil
import tempfile
from typing import Any

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "ninja_simple_jwt",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ninja_simple_jwt.auth.challenges.BearerChallengeMiddleware",
]
DATABASES: dict[str, dict[str, Any]] = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Hashing speed is not under test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A cache that processes share, as the checks ask of production (ninja_simple_jwt.W040).
_CACHE_DIR = tempfile.mkdtemp(prefix="jwt-tests-cache-")
atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": _CACHE_DIR}}
