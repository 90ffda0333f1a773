"""The sessions settings on a real PostgreSQL and a real Redis, which the conftest starts on these ports."""

from tests.services import free_port
from tests.sessions.settings import *  # noqa: F403

SERVICES = {"postgres": free_port(), "redis": free_port()}
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "ninja_simple_jwt",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": str(SERVICES["postgres"]),
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{SERVICES['redis']}/0",
    }
}
