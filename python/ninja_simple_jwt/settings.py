"""The `NINJA_SIMPLE_JWT` settings: defaults, and a lazily read object that follows overrides."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

__all__ = ["DEFAULTS", "NinjaSimpleJwtSettings", "ninja_simple_jwt_settings"]


class _NotDebug:
    """Stands for `not settings.DEBUG`, read each time it is used rather than once at import."""

    def __repr__(self) -> str:
        return "not settings.DEBUG"


NOT_DEBUG = _NotDebug()

DEFAULTS: dict[str, Any] = {
    # Where make_rsa writes the keys and where they are read from. The private and public storages
    # default to JWT_KEY_STORAGE; set them to keep the two keys apart.
    "JWT_KEY_STORAGE": "ninja_simple_jwt.jwt.key_store.local_disk_key_storage",
    "JWT_PRIVATE_KEY_STORAGE": None,
    "JWT_PUBLIC_KEY_STORAGE": None,
    "JWT_PRIVATE_KEY_PATH": "jwt-signing.pem",
    "JWT_PUBLIC_KEY_PATH": "jwt-signing.pub",
    # Public keys retired by `make_jwt_key --rotate`, still verifying until their tokens expire; beside
    # the public key, in its storage.
    "JWT_PREVIOUS_PUBLIC_KEYS_PATH": "jwt-signing.previous.pub",
    # PEM keys given inline (str or bytes); each one, when set, is used instead of its storage.
    "JWT_PRIVATE_KEY": None,
    "JWT_PUBLIC_KEY": None,
    # More public keys (PEM) that verify: the old key after a rotation done in a secrets manager.
    "JWT_EXTRA_PUBLIC_KEYS": [],
    # The algorithm new keys are made for: "RS256", "ES256" (P-256) or "EdDSA" (Ed25519). Each key is
    # pinned to its own algorithm, so a set can mix them while moving from one to another.
    "JWT_ALGORITHM": "RS256",
    # How often each process reads the keys again, to follow a rotation made elsewhere.
    "JWT_KEY_RELOAD_INTERVAL": timedelta(seconds=60),
    # How long clients may cache the JWKS (Cache-Control: max-age).
    "JWKS_MAX_AGE": timedelta(minutes=5),
    "JWT_REFRESH_COOKIE_NAME": "refresh",
    "JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    # Clock skew tolerated on exp, iat and nbf: a timedelta or seconds.
    "JWT_LEEWAY": timedelta(seconds=10),
    # Verified tokens the verifying key remembers, so that a token sent again skips the RSA work; 0: none.
    "JWT_REMEMBERED_TOKENS": 4096,
    "WEB_REFRESH_COOKIE_SECURE": NOT_DEBUG,
    "WEB_REFRESH_COOKIE_HTTP_ONLY": True,
    "WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "Strict",
    "WEB_REFRESH_COOKIE_PATH": "/api/auth/web/token-refresh",
    "USERNAME_FIELD": "username",
    "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {
        "user_id": "id",
        "username": "username",
        "last_login": "last_login",
    },
    "TOKEN_USER_ENCODER_CLS": "ninja_simple_jwt.jwt.json_encode.TokenUserEncoder",
    # False: request.user is a stateless TokenUser built from the token (no query). True: the user is
    # loaded from the database, and inactive or deleted users are refused.
    "AUTH_LOAD_USER": False,
    # The original 0.7+ spelling of the same choice: False loads the user from the database.
    "USE_STATELESS_AUTH": True,
    # The class of stateless users, called with the verified claims.
    "TOKEN_USER_CLS": "ninja_simple_jwt.auth.token_user.TokenUser",
    # The sessions app (ninja_simple_jwt.sessions in INSTALLED_APPS): token-refresh also returns a new
    # refresh token and uses up the one presented; a used-up one presented again after the grace ends
    # its session.
    "JWT_ROTATE_REFRESH_TOKENS": False,
    "JWT_REFRESH_REUSE_GRACE": timedelta(seconds=10),
    # Ending a session also refuses its access tokens, through the cache JWT_REVOCATION_CACHE names.
    "JWT_REVOKE_ACCESS_TOKENS": False,
    "JWT_REVOCATION_CACHE": "default",
}


class NinjaSimpleJwtSettings:
    """Attribute access to `settings.NINJA_SIMPLE_JWT` over `DEFAULTS`, cached until `reload()`."""

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.defaults = DEFAULTS if defaults is None else defaults
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        """The project's `NINJA_SIMPLE_JWT` dict, or an empty one."""
        return getattr(settings, "NINJA_SIMPLE_JWT", None) or {}

    def __getattr__(self, name: str) -> Any:
        if name not in self.defaults:
            raise AttributeError(f"Invalid NINJA_SIMPLE_JWT setting: {name}")
        value = self.user_settings.get(name, self.defaults[name])
        if value is NOT_DEBUG:
            return not settings.DEBUG
        self._cached.add(name)
        setattr(self, name, value)
        return value

    def reload(self) -> None:
        """Forget cached values, so the next read sees the current Django settings."""
        for name in self._cached:
            self.__dict__.pop(name, None)
        self._cached.clear()


ninja_simple_jwt_settings = NinjaSimpleJwtSettings()

_reload_callbacks: list[Callable[[], object]] = []


def on_reload(callback: Callable[[], object]) -> Callable[[], object]:
    """Registers `callback()` to run whenever the NINJA_SIMPLE_JWT setting changes."""
    _reload_callbacks.append(callback)
    return callback


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "NINJA_SIMPLE_JWT":
        ninja_simple_jwt_settings.reload()
        for callback in _reload_callbacks:
            callback()


setting_changed.connect(_settings_changed)
