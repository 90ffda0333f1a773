"""The `NINJA_SIMPLE_JWT` settings: one typed declaration, validated at start and on every override.

`JwtSettings` declares every setting with its type and default (as django-ninja's `conf.py` does).
`ninja_simple_jwt_settings` reads the project's dict through it: each value is checked once per change of
settings, never frozen at import, so `override_settings` and pytest-django's `settings` take effect at
once. A bad value is an `ImproperlyConfigured` that names the setting: raised when Django starts (the
app's `ready()`), and on first use after an override; `manage.py check` reports the same problems with
the ids of `ninja_simple_jwt.checks`.
"""

import copy
import difflib
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, NamedTuple, TypedDict

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

__all__ = [
    "COMPATIBLE_DEFAULTS",
    "DEFAULTS",
    "EMPTY_SETTINGS",
    "USER_SETTINGS",  # noqa: F822 (the module's __getattr__ reads it when asked for)
    "JwtSettings",
    "NinjaSimpleJwtSettings",
    "NinjaSimpleJwtSettingsDict",
    "Problem",
    "TrustedIssuer",
    "ninja_simple_jwt_settings",
    "on_reload",
    "reload_ninja_simple_jwt_settings",
    "settings_problems",
]


class _NotDebug:
    """Stands for `not settings.DEBUG`, read each time it is used rather than once at import."""

    def __repr__(self) -> str:
        return "not settings.DEBUG"


NOT_DEBUG = _NotDebug()


def _(message: str) -> str:
    """`gettext`, once the app registry is ready: settings may be read before, when no catalogue can load."""
    from django.apps import apps

    return gettext(message) if apps.apps_ready else message


def _duration(*, allow_zero: bool) -> Callable[[Any], timedelta]:
    """A validator: a timedelta, or a number of seconds (int or float, not bool), > 0 or >= 0."""

    def convert(value: Any) -> timedelta:
        if isinstance(value, bool) or not isinstance(value, timedelta | int | float):
            raise ValueError(
                _("must be a timedelta or a number of seconds, not %(type)s.") % {"type": type(value).__name__}
            )
        if isinstance(value, timedelta):
            duration = value
        elif not math.isfinite(value):
            raise ValueError(_("must be a finite number of seconds."))
        else:
            try:
                duration = timedelta(seconds=value)
            except OverflowError:
                raise ValueError(_("is too large.")) from None
        if duration < timedelta(0) or (duration == timedelta(0) and not allow_zero):
            raise ValueError(_("must be positive.") if not allow_zero else _("must not be negative."))
        return duration

    return convert


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("must be an integer, not %(type)s.") % {"type": type(value).__name__})
    if value < 0:
        raise ValueError(_("must not be negative."))
    return value


def _non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(_("must be a non-empty string."))
    return value


# A cookie name is an RFC 9110 token: what Django writes unquoted and browsers send back as is.
_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _cookie_name(value: Any) -> str:
    if not isinstance(value, str) or not _COOKIE_NAME.fullmatch(value):
        raise ValueError(_("must be a cookie name: letters, digits and !#$%&'*+-.^_`|~, not empty."))
    return value


def _cookie_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or ";" in value or not value.isprintable():
        raise ValueError(_("must be a URL path starting with '/'."))
    return value


def _same_site(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.lower() in ("strict", "lax", "none")):
        return value
    raise ValueError(_("must be 'Strict', 'Lax', 'None' or None."))


def _secure(value: Any) -> bool | _NotDebug:
    if isinstance(value, bool | _NotDebug):
        return value
    raise ValueError(_("must be True or False, not %(type)s.") % {"type": type(value).__name__})


def _pem(value: Any) -> str | bytes:
    if not isinstance(value, str | bytes | bytearray):
        raise ValueError(_("must be a PEM key as str or bytes, not %(type)s.") % {"type": type(value).__name__})
    return bytes(value) if isinstance(value, bytearray) else value


def _optional_pem(value: Any) -> str | bytes | None:
    return None if value is None else _pem(value)


def _pem_list(value: Any) -> list[str | bytes]:
    if not isinstance(value, list | tuple):
        raise ValueError(_("must be a list of PEM keys, not %(type)s.") % {"type": type(value).__name__})
    return [_pem(item) for item in value]


def _claim_map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(
            _("must be a dict of claim names to attribute names or callables, not %(type)s.")
            % {"type": type(value).__name__}
        )
    for claim, source in value.items():
        if not isinstance(claim, str) or not claim:
            raise ValueError(_("has a claim name that is not a non-empty string: %(claim)s.") % {"claim": repr(claim)})
        if claim in _REGISTERED_CLAIMS:
            raise ValueError(_("maps %(claim)s, a claim the package sets itself.") % {"claim": repr(claim)})
        if not (isinstance(source, str) and source) and not callable(source):
            raise ValueError(
                _("maps %(claim)s to %(source)s: expected an attribute name or a callable.")
                % {"claim": repr(claim), "source": repr(source)}
            )
    return value


_REGISTERED_CLAIMS = frozenset({"exp", "iat", "nbf", "jti", "token_type", "iss", "aud"})


def _import_string(kind: str, check: Callable[[Any], bool]) -> Callable[[Any], str]:
    """A validator: an import string naming `kind`, imported to check it exists (and resolved again on use)."""

    def convert(value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ValueError(_("must be the import path of %(kind)s, as a string.") % {"kind": _(kind)})
        try:
            target = import_string(value)
        except ImportError as e:
            raise ValueError(_("cannot be imported (%(error)s).") % {"error": e}) from None
        if not check(target):
            raise ValueError(_("is not %(kind)s.") % {"kind": _(kind)})
        return value

    return convert


def _audience(value: Any) -> str | list[str]:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(a, str) and a for a in value):
        return list(value)
    raise ValueError("must be an audience (a non-empty string) or a non-empty list of them")


def _as_list(audience: str | list[str]) -> list[str]:
    return [audience] if isinstance(audience, str) else audience


_ALGORITHMS = ("RS256", "ES256", "EdDSA")


@dataclass(frozen=True)
class TrustedIssuer:
    """One entry of JWT_TRUSTED_ISSUERS: whose access tokens are accepted, for which audiences, and where its
    keys are (`jwks_url`, or OpenID discovery under `issuer` when None)."""

    issuer: str
    audiences: tuple[str, ...]  # empty only in an entry the checks refuse (E030)
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("RS256",)

    @property
    def discovery_url(self) -> str:
        """Where OpenID Connect Discovery 1.0 §4 puts the issuer's configuration."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


_TRUSTED_MEMBERS = ("issuer", "audience", "jwks_url", "algorithms")


def _trusted_issuers(value: Any) -> list[TrustedIssuer]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of dicts, not {type(value).__name__}")
    entries: list[TrustedIssuer] = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ValueError(f"entry {i} must be a dict, not {type(entry).__name__}")
        unknown = sorted(map(str, set(entry) - set(_TRUSTED_MEMBERS)))
        if unknown:
            raise ValueError(f"entry {i} has unknown keys {unknown}: use {', '.join(_TRUSTED_MEMBERS)}")
        issuer = entry.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise ValueError(f"entry {i} needs an 'issuer': the exact 'iss' of its tokens, a non-empty string")
        audience = entry.get("audience")
        try:
            # Checked before it is iterated: a number or a bool must be an E003, not a TypeError.
            audiences = () if audience is None else tuple(_as_list(_audience(audience)))
        except ValueError as e:
            raise ValueError(f"entry {i}'s 'audience' {e}") from None
        jwks_url = entry.get("jwks_url")
        if jwks_url is not None and (not isinstance(jwks_url, str) or not jwks_url.startswith(("https://", "http://"))):
            raise ValueError(f"entry {i}'s 'jwks_url' must be an https:// URL")
        algorithms = entry.get("algorithms", ["RS256"])
        if not isinstance(algorithms, list | tuple) or not algorithms or any(a not in _ALGORITHMS for a in algorithms):
            raise ValueError(f"entry {i}'s 'algorithms' must be a non-empty list from {', '.join(_ALGORITHMS)}")
        if any(e.issuer == issuer for e in entries):
            raise ValueError(f"names the issuer {issuer!r} twice")
        entries.append(TrustedIssuer(issuer, audiences, jwks_url, tuple(algorithms)))
    return entries


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _is_storage(target: Any) -> bool:
    return callable(getattr(target, "open", None))


def _is_encoder(target: Any) -> bool:
    return isinstance(target, type) and issubclass(target, json.JSONEncoder)


Duration = Annotated[timedelta, BeforeValidator(_duration(allow_zero=False))]
DurationOrZero = Annotated[timedelta, BeforeValidator(_duration(allow_zero=True))]
Count = Annotated[int, BeforeValidator(_count)]
NonEmpty = Annotated[str, BeforeValidator(_non_empty)]
_A_STORAGE = gettext_noop("a storage instance")
Storage = Annotated[str, BeforeValidator(_import_string(_A_STORAGE, _is_storage))]
OptionalStorage = Annotated[str | None, BeforeValidator(_optional(_import_string(_A_STORAGE, _is_storage)))]
EncoderClass = Annotated[str, BeforeValidator(_import_string(gettext_noop("a JSONEncoder subclass"), _is_encoder))]
UserClass = Annotated[str, BeforeValidator(_import_string(gettext_noop("a class"), lambda t: isinstance(t, type)))]
Algorithm = Annotated[str, BeforeValidator(lambda v: _choice(v, ("RS256", "ES256", "EdDSA")))]
Release = Annotated[str, BeforeValidator(lambda v: _choice(v, ("0.4", "0.5", "0.6", "0.7", "0.8")))]


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(
            _("must be one of %(choices)s, not %(value)s.")
            % {"choices": ", ".join(map(repr, choices)), "value": repr(value)}
        )
    return str(value)


class JwtSettings(BaseModel):
    """Every NINJA_SIMPLE_JWT setting with its type and default. The README's Settings table explains each."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True)

    # The release of the original package whose defaults the project expects: its row of
    # COMPATIBLE_DEFAULTS fills in what the project does not set. "0.4" (the specification) by default.
    COMPATIBLE_WITH: Release = "0.4"

    # Where make_rsa writes the keys and where they are read from. The private and public storages
    # default to JWT_KEY_STORAGE; set them to keep the two keys apart.
    JWT_KEY_STORAGE: Storage = "ninja_simple_jwt.jwt.key_store.local_disk_key_storage"
    JWT_PRIVATE_KEY_STORAGE: OptionalStorage = None
    JWT_PUBLIC_KEY_STORAGE: OptionalStorage = None
    JWT_PRIVATE_KEY_PATH: NonEmpty = "jwt-signing.pem"
    JWT_PUBLIC_KEY_PATH: NonEmpty = "jwt-signing.pub"
    # Public keys retired by `make_jwt_key --rotate`, still verifying until their tokens expire; beside
    # the public key, in its storage.
    JWT_PREVIOUS_PUBLIC_KEYS_PATH: NonEmpty = "jwt-signing.previous.pub"
    # PEM keys given inline (str or bytes); each one, when set, is used instead of its storage.
    JWT_PRIVATE_KEY: Annotated[str | bytes | None, BeforeValidator(_optional_pem)] = None
    JWT_PUBLIC_KEY: Annotated[str | bytes | None, BeforeValidator(_optional_pem)] = None
    JWT_REFRESH_COOKIE_NAME: Annotated[str, BeforeValidator(_cookie_name)] = "refresh"
    JWT_REFRESH_TOKEN_LIFETIME: Duration = timedelta(days=30)
    JWT_ACCESS_TOKEN_LIFETIME: Duration = timedelta(minutes=15)
    # Clock skew tolerated on exp, iat and nbf: a timedelta or seconds.
    JWT_LEEWAY: DurationOrZero = timedelta(seconds=10)
    # Verified tokens the verifying key remembers, so that a token sent again skips the RSA work; 0: none.
    JWT_REMEMBERED_TOKENS: Count = 4096
    WEB_REFRESH_COOKIE_SECURE: Annotated[bool | _NotDebug, BeforeValidator(_secure)] = NOT_DEBUG
    WEB_REFRESH_COOKIE_HTTP_ONLY: bool = True
    WEB_REFRESH_COOKIE_SAME_SITE_POLICY: Annotated[str | None, BeforeValidator(_same_site)] = "Strict"
    WEB_REFRESH_COOKIE_PATH: Annotated[str, BeforeValidator(_cookie_path)] = "/api/auth/web/token-refresh"
    USERNAME_FIELD: NonEmpty = "username"
    TOKEN_CLAIM_USER_ATTRIBUTE_MAP: Annotated[dict[str, Any], BeforeValidator(_claim_map)] = {
        "user_id": "id",
        "username": "username",
        "last_login": "last_login",
    }
    TOKEN_USER_ENCODER_CLS: EncoderClass = "ninja_simple_jwt.jwt.json_encode.TokenUserEncoder"
    # False: request.user is a stateless TokenUser built from the token (no query). True: the user is
    # loaded from the database, and inactive or deleted users are refused.
    AUTH_LOAD_USER: bool = False

    # The original 0.7+ spelling of AUTH_LOAD_USER's choice: False loads the user from the database.
    USE_STATELESS_AUTH: bool = True
    # The class of stateless users, called with the verified claims.
    TOKEN_USER_CLS: UserClass = "ninja_simple_jwt.auth.token_user.TokenUser"
    # The algorithm new keys are made for: "RS256", "ES256" (P-256) or "EdDSA" (Ed25519). Each key is
    # pinned to its own algorithm, so a set can mix them while moving from one to another.
    JWT_ALGORITHM: Algorithm = "RS256"
    # More public keys (PEM) that verify: the old key after a rotation done in a secrets manager.
    JWT_EXTRA_PUBLIC_KEYS: Annotated[list[str | bytes], BeforeValidator(_pem_list)] = []
    # How often each process reads the keys again, to follow a rotation made elsewhere.
    JWT_KEY_RELOAD_INTERVAL: DurationOrZero = timedelta(seconds=60)
    # How long clients may cache the JWKS (Cache-Control: max-age).
    JWKS_MAX_AGE: DurationOrZero = timedelta(minutes=5)

    # Many services: `iss` and `aud` of this project's tokens (signed in, and required of its own tokens),
    # other issuers whose access tokens HttpJwtAuth accepts, verified with their published keys, and how
    # those keys are fetched and kept.
    JWT_ISSUER: Annotated[str | None, BeforeValidator(_optional(_non_empty))] = None
    JWT_AUDIENCE: Annotated[str | list[str] | None, BeforeValidator(_optional(_audience))] = None
    JWT_TRUSTED_ISSUERS: Annotated[list[TrustedIssuer], BeforeValidator(_trusted_issuers)] = []
    JWT_JWKS_CACHE_LIFETIME: Duration = timedelta(minutes=10)
    JWT_JWKS_COOLDOWN: DurationOrZero = timedelta(seconds=30)
    JWT_JWKS_TIMEOUT: Duration = timedelta(seconds=5)

    # The sessions app (ninja_simple_jwt.sessions in INSTALLED_APPS): token-refresh also returns a new
    # refresh token and uses up the one presented; a used-up one presented again after the grace ends
    # its session. Ending a session also refuses its access tokens, through the cache
    # JWT_REVOCATION_CACHE names, when JWT_REVOKE_ACCESS_TOKENS is on.
    JWT_ROTATE_REFRESH_TOKENS: bool = False
    JWT_REFRESH_REUSE_GRACE: DurationOrZero = timedelta(seconds=10)
    JWT_REVOKE_ACCESS_TOKENS: bool = False
    JWT_REVOCATION_CACHE: NonEmpty = "default"

    # Sign-in throttling: failed sign-ins counted per username and per client address over a window,
    # in a Django cache; past either limit, 429 until the window ends. 0 turns a limit off.
    SIGN_IN_MAX_FAILURES_PER_USERNAME: Count = 10
    SIGN_IN_MAX_FAILURES_PER_ADDRESS: Count = 50
    SIGN_IN_FAILURE_WINDOW: Duration = timedelta(minutes=15)
    SIGN_IN_THROTTLE_CACHE: NonEmpty = "default"
    # A client that signed in before keeps an allowance of its own for that username, through a signed
    # cookie (0 turns device cookies off): a guesser locks out only unknown clients.
    SIGN_IN_MAX_FAILURES_PER_DEVICE: Count = 10
    SIGN_IN_DEVICE_COOKIE_NAME: Annotated[str, BeforeValidator(_cookie_name)] = "sign_in_device"
    SIGN_IN_DEVICE_COOKIE_AGE: Duration = timedelta(days=365)
    # The throttle's cache unreachable: False refuses sign-in (503), True lets it through unthrottled.
    SIGN_IN_THROTTLE_FAIL_OPEN: bool = False

    @model_validator(mode="after")
    def _access_shorter_than_refresh(self) -> "JwtSettings":
        if self.JWT_ACCESS_TOKEN_LIFETIME >= self.JWT_REFRESH_TOKEN_LIFETIME:
            # Reported as a problem of JWT_ACCESS_TOKEN_LIFETIME (E004), whose name comes before this.
            raise ValueError(
                _("must be shorter than JWT_REFRESH_TOKEN_LIFETIME (%(access)s is not shorter than %(refresh)s).")
                % {"access": self.JWT_ACCESS_TOKEN_LIFETIME, "refresh": self.JWT_REFRESH_TOKEN_LIFETIME}
            )
        return self


class NinjaSimpleJwtSettingsDict(TypedDict, total=False):
    """The type of the `NINJA_SIMPLE_JWT` dict: every key optional (`JwtSettings` says what each holds)."""

    COMPATIBLE_WITH: str
    JWT_KEY_STORAGE: str
    JWT_PRIVATE_KEY_STORAGE: str | None
    JWT_PUBLIC_KEY_STORAGE: str | None
    JWT_PRIVATE_KEY_PATH: str
    JWT_PUBLIC_KEY_PATH: str
    JWT_PREVIOUS_PUBLIC_KEYS_PATH: str
    JWT_PRIVATE_KEY: str | bytes | None
    JWT_PUBLIC_KEY: str | bytes | None
    JWT_REFRESH_COOKIE_NAME: str
    JWT_REFRESH_TOKEN_LIFETIME: timedelta | float
    JWT_ACCESS_TOKEN_LIFETIME: timedelta | float
    JWT_LEEWAY: timedelta | float
    JWT_REMEMBERED_TOKENS: int
    WEB_REFRESH_COOKIE_SECURE: bool
    WEB_REFRESH_COOKIE_HTTP_ONLY: bool
    WEB_REFRESH_COOKIE_SAME_SITE_POLICY: str | None
    WEB_REFRESH_COOKIE_PATH: str
    USERNAME_FIELD: str
    TOKEN_CLAIM_USER_ATTRIBUTE_MAP: dict[str, str | Callable[[Any], Any]]
    TOKEN_USER_ENCODER_CLS: str
    AUTH_LOAD_USER: bool
    USE_STATELESS_AUTH: bool
    TOKEN_USER_CLS: str
    JWT_ALGORITHM: str
    JWT_EXTRA_PUBLIC_KEYS: list[str | bytes]
    JWT_KEY_RELOAD_INTERVAL: timedelta | float
    JWKS_MAX_AGE: timedelta | float
    JWT_ROTATE_REFRESH_TOKENS: bool
    JWT_REFRESH_REUSE_GRACE: timedelta | float
    JWT_REVOKE_ACCESS_TOKENS: bool
    JWT_REVOCATION_CACHE: str
    SIGN_IN_MAX_FAILURES_PER_USERNAME: int
    SIGN_IN_MAX_FAILURES_PER_ADDRESS: int
    SIGN_IN_FAILURE_WINDOW: timedelta | float
    SIGN_IN_THROTTLE_CACHE: str
    SIGN_IN_MAX_FAILURES_PER_DEVICE: int
    SIGN_IN_DEVICE_COOKIE_NAME: str
    SIGN_IN_DEVICE_COOKIE_AGE: timedelta | float
    SIGN_IN_THROTTLE_FAIL_OPEN: bool
    JWT_ISSUER: str | None
    JWT_AUDIENCE: str | list[str] | None
    JWT_TRUSTED_ISSUERS: list[dict[str, Any]]
    JWT_JWKS_CACHE_LIFETIME: timedelta | float
    JWT_JWKS_COOLDOWN: timedelta | float
    JWT_JWKS_TIMEOUT: timedelta | float


EMPTY_SETTINGS: NinjaSimpleJwtSettingsDict = {}

# The defaults the original package changed between its releases, by the COMPATIBLE_WITH value that picks
# them; every other default is the same for every value. The row is chosen once per load of the settings,
# so no other line of the package asks which release a project expects. "0.6" stands for 0.6.1, its
# last release (0.6.0 moved the cookie path, 0.6.1 widened the claim map).
_FROM_0_6: dict[str, Any] = {
    "WEB_REFRESH_COOKIE_PATH": "/api/auth/web",
    "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {
        "user_id": "id",
        "username": "username",
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "is_staff": "is_staff",
        "is_superuser": "is_superuser",
        "last_login": "last_login",
        "date_joined": "date_joined",
        "is_active": "is_active",
    },
}
COMPATIBLE_DEFAULTS: dict[str, dict[str, Any]] = {
    "0.4": {},
    "0.5": {},
    "0.6": _FROM_0_6,
    "0.7": _FROM_0_6,
    "0.8": _FROM_0_6,
}

_FIELD_DEFAULTS: dict[str, Any] = {name: field.default for name, field in JwtSettings.model_fields.items()}


def _release(user_settings: Any) -> str:
    """The COMPATIBLE_WITH of `user_settings`, or the default when it is missing or not a valid one."""
    release = user_settings.get("COMPATIBLE_WITH") if isinstance(user_settings, dict) else None
    return release if isinstance(release, str) and release in COMPATIBLE_DEFAULTS else "0.4"


def _defaults_for(user_settings: Any) -> dict[str, Any]:
    """Every setting's default for a project whose settings are `user_settings`."""
    release = _release(user_settings)
    return {**_FIELD_DEFAULTS, **copy.deepcopy(COMPATIBLE_DEFAULTS[release]), "COMPATIBLE_WITH": release}


class _Defaults(Mapping[str, Any]):
    """`DEFAULTS`: every setting's default under the project's current COMPATIBLE_WITH.

    A view, so that `{**DEFAULTS, ...}` (the original's tests merge their overrides so) keeps the project's
    COMPATIBLE_WITH and the defaults it picks.
    """

    def _current(self) -> dict[str, Any]:
        return ninja_simple_jwt_settings.defaults

    def __getitem__(self, name: str) -> Any:
        return self._current()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:
        return repr(self._current())

    # What code written for the original's dict may do with it besides reading.
    def copy(self) -> dict[str, Any]:
        """The current defaults, as a new dict."""
        return dict(self._current())

    def __or__(self, other: Mapping[str, Any]) -> dict[str, Any]:
        return {**self._current(), **other}

    def __ror__(self, other: Mapping[str, Any]) -> dict[str, Any]:
        return {**other, **self._current()}


DEFAULTS = _Defaults()


class Problem(NamedTuple):
    """One thing wrong with the settings: the check id (`E003`), the setting it is about, and what is wrong."""

    id: str
    setting: str
    message: str

    @property
    def text(self) -> str:
        """What is wrong, naming the setting."""
        where = f"NINJA_SIMPLE_JWT[{self.setting!r}]" if self.setting else "NINJA_SIMPLE_JWT"
        return f"{where} {self.message}"

    def __str__(self) -> str:
        return f"ninja_simple_jwt.{self.id}: {self.text}"


def _user_settings() -> Any:
    return getattr(settings, "NINJA_SIMPLE_JWT", None) or {}


def _validate(user_settings: Any, defaults: Mapping[str, Any]) -> tuple[JwtSettings | None, list[Problem]]:
    """The validated settings (None if any is wrong) and every problem found in them, `defaults` filling in
    the settings the project does not set."""
    if not isinstance(user_settings, dict):
        return None, [Problem("E001", "", _("must be a dict, not %(type)s.") % {"type": type(user_settings).__name__})]
    problems: list[Problem] = []
    for name in user_settings:
        if name not in JwtSettings.model_fields:
            close = difflib.get_close_matches(str(name), JwtSettings.model_fields, n=1)
            if close:
                message = _("is not a setting of ninja_simple_jwt. Did you mean %(name)s?") % {"name": repr(close[0])}
            else:
                message = _("is not a setting of ninja_simple_jwt.")
            problems.append(Problem("E002", str(name), message))
    known = {name: value for name, value in defaults.items() if name in JwtSettings.model_fields}
    known |= {name: value for name, value in user_settings.items() if name in JwtSettings.model_fields}
    try:
        validated: JwtSettings | None = JwtSettings(**known)
    except ValidationError as e:
        validated = None
        for error in e.errors(include_url=False):
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] != "value_error":  # pydantic's own words, without a full stop
                message += "."
            if error["loc"]:
                problems.append(Problem("E003", str(error["loc"][0]), message))
            else:  # the model validator: lifetimes against each other
                problems.append(Problem("E004", "JWT_ACCESS_TOKEN_LIFETIME", message))
    if validated is not None:
        problems += _dependencies(validated)
    return (None if problems else validated), problems


def _dependencies(s: JwtSettings) -> list[Problem]:
    """Settings that need something else of the project: an id claim, an installed app, a cache."""
    from django.apps import apps

    problems = []
    if (s.AUTH_LOAD_USER or not s.USE_STATELESS_AUTH) and not any(
        source in ("id", "pk") for source in s.TOKEN_CLAIM_USER_ATTRIBUTE_MAP.values()
    ):
        setting = "AUTH_LOAD_USER" if s.AUTH_LOAD_USER else "USE_STATELESS_AUTH"
        problems.append(
            Problem(
                "E005",
                setting,
                _(
                    "loads the user from the database, but TOKEN_CLAIM_USER_ATTRIBUTE_MAP maps no claim to 'id' or "
                    '\'pk\': add one, such as "user_id": "id".'
                ),
            )
        )
    for setting in ("JWT_ROTATE_REFRESH_TOKENS", "JWT_REVOKE_ACCESS_TOKENS"):
        if getattr(s, setting) and apps.apps_ready and not apps.is_installed("ninja_simple_jwt.sessions"):
            problems.append(Problem("E006", setting, _("needs the app 'ninja_simple_jwt.sessions' in INSTALLED_APPS.")))
    for entry in s.JWT_TRUSTED_ISSUERS:
        if not entry.audiences:
            problems.append(
                Problem(
                    "E030",
                    "JWT_TRUSTED_ISSUERS",
                    _(
                        "trusts %(issuer)s without an 'audience': its tokens for any other of its clients would "
                        "open this API. Add this API's audience (its client id, or API identifier)."
                    )
                    % {"issuer": repr(entry.issuer)},
                )
            )
    caches = getattr(settings, "CACHES", None) or {"default": {}}
    uses = [("SIGN_IN_THROTTLE_CACHE", s.SIGN_IN_MAX_FAILURES_PER_USERNAME or s.SIGN_IN_MAX_FAILURES_PER_ADDRESS)]
    uses.append(("JWT_REVOCATION_CACHE", s.JWT_REVOKE_ACCESS_TOKENS))
    for setting, used in uses:
        alias = getattr(s, setting)
        if used and alias not in caches:
            problems.append(
                Problem(
                    "E007", setting, _("names the cache %(alias)s, which is not in CACHES.") % {"alias": repr(alias)}
                )
            )
    return problems


def settings_problems() -> list[Problem]:
    """Every problem in the current NINJA_SIMPLE_JWT setting (empty when it is valid)."""
    user_settings = _user_settings()
    return _validate(user_settings, _defaults_for(user_settings))[1]


class NinjaSimpleJwtSettings:
    """Attribute access to the validated `settings.NINJA_SIMPLE_JWT`, defaults filled in.

    Validated on first use after each change of settings; a bad setting raises `ImproperlyConfigured`
    naming it. Lifetimes and the leeway read as `timedelta` whether given as one or as seconds. The
    defaults are those of the project's COMPATIBLE_WITH. As in the original, `user_settings` and `defaults`
    may be given to read other settings than Django's (`defaults` then replaces the whole table).
    """

    def __init__(
        self, user_settings: Mapping[str, Any] | None = None, defaults: Mapping[str, Any] | None = None
    ) -> None:
        self._given_user_settings = user_settings
        self._given_defaults = defaults
        self._defaults: dict[str, Any] | None = None
        self._validated: JwtSettings | None = None
        self._cached: set[str] = set()

    @property
    def defaults(self) -> dict[str, Any]:
        """Every setting's default, for the COMPATIBLE_WITH of the settings (chosen once per load)."""
        defaults = self._defaults
        if defaults is None:
            if self._given_defaults is not None:
                defaults = {**_FIELD_DEFAULTS, **self._given_defaults}
            else:
                defaults = _defaults_for(self._read_user_settings())
            self._defaults = defaults
        return defaults

    @property
    def user_settings(self) -> dict[str, Any]:
        """The project's `NINJA_SIMPLE_JWT` dict, or an empty one."""
        value = self._read_user_settings()
        return dict(value) if isinstance(value, Mapping) else {}

    def _read_user_settings(self) -> Any:
        given = self._given_user_settings
        return _user_settings() if given is None else dict(given)

    def validated(self) -> JwtSettings:
        """The current settings, validated; `ImproperlyConfigured` naming every bad setting otherwise."""
        validated = self._validated
        if validated is None:
            user_settings = self._read_user_settings()
            if self._given_defaults is not None:
                defaults: Mapping[str, Any] = self._given_defaults
            else:
                defaults = COMPATIBLE_DEFAULTS[_release(user_settings)]
            validated, problems = _validate(user_settings, defaults)
            if validated is None:
                raise ImproperlyConfigured("\n".join([_("Invalid NINJA_SIMPLE_JWT settings:"), *map(str, problems)]))
            self._validated = validated
        return validated

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in JwtSettings.model_fields:
            raise AttributeError(f"Invalid NINJA_SIMPLE_JWT setting: {name}")
        value = getattr(self.validated(), name)
        if value is NOT_DEBUG:
            return not settings.DEBUG
        # Kept as an instance attribute until reload(): later reads skip __getattr__ (requests read
        # several settings each).
        self._cached.add(name)
        setattr(self, name, value)
        return value

    def reload(self) -> None:
        """Forget the validated settings, so the next read validates the current Django settings; and,
        for the process's own settings, what was worked out from them (the `on_reload` callbacks)."""
        self._validated = None
        self._defaults = None
        for name in self._cached:
            self.__dict__.pop(name, None)
        self._cached.clear()
        if self is ninja_simple_jwt_settings:
            for callback in _reload_callbacks:
                callback()


ninja_simple_jwt_settings = NinjaSimpleJwtSettings()

_reload_callbacks: list[Callable[[], object]] = []


def on_reload(callback: Callable[[], object]) -> Callable[[], object]:
    """Registers `callback()` to run whenever the settings are reloaded (NINJA_SIMPLE_JWT changed)."""
    _reload_callbacks.append(callback)
    return callback


def reload_ninja_simple_jwt_settings(*args: Any, **kwargs: Any) -> None:
    """The `setting_changed` receiver: reloads the settings when NINJA_SIMPLE_JWT (or what it depends on)
    changes, and runs the `on_reload` callbacks."""
    # The dependencies (CACHES, INSTALLED_APPS, DEBUG) are validated with the dict, so their changes count too.
    if kwargs.get("setting") in ("NINJA_SIMPLE_JWT", "CACHES", "INSTALLED_APPS"):
        ninja_simple_jwt_settings.reload()


setting_changed.connect(reload_ninja_simple_jwt_settings)


def __getattr__(name: str) -> Any:
    # USER_SETTINGS, the original's module-level copy of the project's dict, read when asked for, so that
    # it follows overrides (the original's was read once at import).
    if name == "USER_SETTINGS":
        return getattr(settings, "NINJA_SIMPLE_JWT", None)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
