"""A verify-only API service: no keys of its own, no database, trusts one issuer found by discovery.

The environment names the issuer and the audience (tests/test_many_services.py starts it under gunicorn).
"""

import os
from datetime import timedelta

SECRET_KEY = os.environ["EXAMPLE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "ninja_simple_jwt"]
MIDDLEWARE = ["ninja_simple_jwt.auth.challenges.BearerChallengeMiddleware"]
ROOT_URLCONF = "verify_only.urls"
DATABASES: dict[str, object] = {}
USE_TZ = True
NINJA_SIMPLE_JWT = {
    "JWT_TRUSTED_ISSUERS": [
        {"issuer": os.environ["VERIFY_ONLY_ISSUER"], "audience": os.environ["VERIFY_ONLY_AUDIENCE"]}
    ],
    "JWT_JWKS_COOLDOWN": timedelta(seconds=float(os.environ.get("VERIFY_ONLY_COOLDOWN_SECONDS", "30"))),
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "ninja_simple_jwt": {"handlers": ["console"], "level": "INFO"},
    },
}
