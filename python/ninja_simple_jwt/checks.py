"""System checks (`manage.py check`): every NINJA_SIMPLE_JWT setting, the keys and the refresh-cookie path.

The ids, as the README lists them:

- E001 NINJA_SIMPLE_JWT is not a dict.
- E002 an unknown setting (the message names the closest valid one).
- E003 a setting of the wrong type or out of range (COMPATIBLE_WITH not "0.4" to "0.8"), or an import path
  that does not import.
- E004 the access-token lifetime is not shorter than the refresh-token lifetime.
- E005 the user is loaded from the database but no claim is mapped to `id` or `pk`.
- E006 refresh-token rotation or access-token revocation without the `ninja_simple_jwt.sessions` app.
- E007 a cache alias that is not in CACHES.
- E008 a key that cannot be read or parsed.
- E009 the private and public keys are not one pair.
- E010 WEB_REFRESH_COOKIE_PATH does not reach the web token-refresh route where it is mounted.
- E011 `sessions_router` is mounted without the `ninja_simple_jwt.sessions` app.
- W001 the refresh cookie is not `Secure` while DEBUG is off.
- W002 the refresh cookie is not `HttpOnly`: the page's scripts can read the refresh token.
- W003 a key is missing (run `make_jwt_key`): sign-in, or token checks, fail until it is there.
- W040 the sign-in throttle or access-token revocation uses a cache of one process (LocMemCache) while
  DEBUG is off: with several workers, each counts and remembers on its own.
- W041 the sign-in throttle or access-token revocation uses DummyCache, which keeps nothing.
- E050 a token lifetime so long that a token's expiry is past the last date Python can represent.
- E051 TOKEN_CLAIM_USER_ATTRIBUTE_MAP names an attribute the user model does not have.
- E052 the refresh cookie is `SameSite=None` but not `Secure`: browsers refuse it.
- W050 JWT_REFRESH_REUSE_GRACE (with rotation) is not shorter than the refresh-token lifetime: no reuse is
  ever detected.
- W051 JWT_LEEWAY is longer than 5 minutes: expired tokens are accepted that long.
- E030 a trusted issuer (JWT_TRUSTED_ISSUERS) without an `audience`.
- E031 a trusted issuer's JWKS URL (or, without one, its issuer URL, where discovery starts) on plain http://
  that is not a loopback host: its keys are never fetched.
- W030 a verify-only service (trusted issuers, no key files of its own) mounts the sign-in routes: they answer 503.

E001 to E007 and E030 are also raised as `ImproperlyConfigured` when Django starts: a server never runs with them.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import CheckMessage, Error, Warning, register
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ninja_simple_jwt.auth.views.refresh_cookie import cookie_path_matches
from ninja_simple_jwt.exceptions import InvalidKeyError, KeyMismatchError
from ninja_simple_jwt.jwt.key_retrieval import KeyKind, key_location, key_path, key_ring, key_storage
from ninja_simple_jwt.jwt.remote_keys import is_loopback_url
from ninja_simple_jwt.sessions import sessions_enabled
from ninja_simple_jwt.settings import ninja_simple_jwt_settings, settings_problems

__all__ = ["check_settings"]

REFRESH_ROUTE_NAME = "web_token_refresh"
# Clock skew is seconds between hosts that keep time; beyond this the leeway only extends stolen tokens.
MAX_REASONABLE_LEEWAY = timedelta(minutes=5)
SESSIONS_ROUTE_NAME = "sessions_list"


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The settings, then (when they are valid) the keys and the refresh cookie."""
    problems = settings_problems()
    if problems:
        return [Error(p.text, id=f"ninja_simple_jwt.{p.id}") for p in problems]
    s = ninja_simple_jwt_settings
    messages: list[CheckMessage] = [
        *_check_keys(),
        *_check_cookie_path(),
        *_check_sessions_router(),
        *_check_shared_caches(),
        *_check_trusted_issuers(),
    ]
    messages += _check_consistency()
    if s.WEB_REFRESH_COOKIE_SECURE is False and not settings.DEBUG:
        messages.append(
            Warning(
                _(
                    "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_SECURE'] is False while DEBUG is off: browsers send the "
                    "refresh token over plain HTTP."
                ),
                hint=_("Remove the setting: by default the cookie is Secure whenever DEBUG is off."),
                id="ninja_simple_jwt.W001",
            )
        )
    if not s.WEB_REFRESH_COOKIE_HTTP_ONLY:
        messages.append(
            Warning(
                _(
                    "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_HTTP_ONLY'] is False: a script injected into the page can "
                    "read the refresh token."
                ),
                id="ninja_simple_jwt.W002",
            )
        )
    return messages


def _check_keys() -> list[CheckMessage]:
    # The same loading requests use, so that the check and a request cannot disagree.
    messages: list[CheckMessage] = []
    present = []
    kinds: tuple[KeyKind, ...] = ("private", "public")
    for kind in kinds:
        inline = getattr(ninja_simple_jwt_settings, f"JWT_{kind.upper()}_KEY")
        try:
            exists = inline is not None or key_storage(kind).exists(key_path(kind))
        except OSError:
            exists = True  # loading says what is wrong
        if exists:
            present.append(kind)
        else:
            # One sentence per kind, so that each language words it whole.
            missing = _("No JWT private key at %(path)s.") if kind == "private" else _("No JWT public key at %(path)s.")
            messages.append(
                Warning(
                    missing % {"path": key_location(kind)},
                    hint=_("Run `python manage.py make_jwt_key`, or set the key's path or the key itself."),
                    id="ninja_simple_jwt.W003",
                )
            )
    if "public" not in present and ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS:
        # A verify-only service: it needs no keys of its own (W030 covers sign-in routes it mounts).
        return _check_verify_only()
    if "public" not in present:
        return messages
    try:
        if "private" in present:
            key_ring.signing_set()
        else:
            key_ring.key_set()
    except KeyMismatchError as e:
        messages.append(Error(str(e), id="ninja_simple_jwt.E009"))
    except InvalidKeyError as e:
        messages.append(Error(_("The JWT keys cannot be used: %(error)s") % {"error": e}, id="ninja_simple_jwt.E008"))
    return messages


def _route_names(resolver: URLResolver, namespace: list[str], name: str) -> Iterator[str]:
    """The namespaced names of the URL patterns called `name`, wherever they are mounted."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = [*namespace, pattern.namespace] if pattern.namespace else namespace
            yield from _route_names(pattern, inner, name)
        elif isinstance(pattern, URLPattern) and pattern.name == name:
            yield ":".join([*namespace, name])


def _check_cookie_path() -> list[CheckMessage]:
    paths = set()
    for name in _route_names(get_resolver(), [], REFRESH_ROUTE_NAME):
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue
    cookie_path = ninja_simple_jwt_settings.WEB_REFRESH_COOKIE_PATH
    if not paths or any(cookie_path_matches(path, cookie_path) for path in paths):
        return []
    return [
        Error(
            _(
                "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_PATH'] is %(cookie_path)s, but the web token-refresh route is "
                "at %(routes)s: browsers would never send it the refresh cookie."
            )
            % {"cookie_path": repr(cookie_path), "routes": ", ".join(sorted(paths))},
            hint=_("Set WEB_REFRESH_COOKIE_PATH to %(path)s.") % {"path": repr(min(paths))},
            id="ninja_simple_jwt.E010",
        )
    ]


def _check_sessions_router() -> list[CheckMessage]:
    if sessions_enabled() or next(_route_names(get_resolver(), [], SESSIONS_ROUTE_NAME), None) is None:
        return []
    return [
        Error(
            _(
                "sessions_router is mounted, but the app 'ninja_simple_jwt.sessions' is not in INSTALLED_APPS: its "
                "routes answer 404."
            ),
            hint=_(
                "Add 'ninja_simple_jwt.sessions' to INSTALLED_APPS and run migrate, or do not mount sessions_router."
            ),
            id="ninja_simple_jwt.E011",
        )
    ]


def _check_consistency() -> list[CheckMessage]:
    """Settings each valid alone that break or weaken every request together (or with the project)."""
    s = ninja_simple_jwt_settings
    messages: list[CheckMessage] = []
    now = datetime.now(timezone.utc)
    for setting in ("JWT_REFRESH_TOKEN_LIFETIME", "JWT_ACCESS_TOKEN_LIFETIME"):
        lifetime = getattr(s, setting)
        if lifetime > datetime.max.replace(tzinfo=timezone.utc) - now:
            messages.append(
                Error(
                    _(
                        "NINJA_SIMPLE_JWT['%(setting)s'] is %(days)s days: a token's expiry would be past the year "
                        "9999, which no date can hold (every sign-in would fail)."
                    )
                    % {"setting": setting, "days": lifetime.days},
                    hint=_("Use a lifetime of days or weeks, such as timedelta(days=30)."),
                    id="ninja_simple_jwt.E050",
                )
            )
    user_model = get_user_model()
    for claim, source in s.TOKEN_CLAIM_USER_ATTRIBUTE_MAP.items():
        # Fields, properties and methods are attributes of the class; only callables are read otherwise.
        if isinstance(source, str) and not hasattr(user_model, source):
            messages.append(
                Error(
                    _(
                        "NINJA_SIMPLE_JWT['TOKEN_CLAIM_USER_ATTRIBUTE_MAP'] maps '%(claim)s' to '%(source)s', which "
                        "%(model)s does not have (every sign-in would fail)."
                    )
                    % {"claim": claim, "source": source, "model": user_model.__name__},
                    hint=_("Name a field, property or method of the user model, or map the claim to a callable."),
                    id="ninja_simple_jwt.E051",
                )
            )
    same_site = s.WEB_REFRESH_COOKIE_SAME_SITE_POLICY
    if isinstance(same_site, str) and same_site.lower() == "none" and not s.WEB_REFRESH_COOKIE_SECURE:
        messages.append(
            Error(
                _(
                    "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_SAME_SITE_POLICY'] is 'None' but the refresh cookie is "
                    "not Secure: browsers refuse such a cookie, so web refresh never gets it."
                ),
                hint=_("Keep the default 'Strict', or make the cookie Secure (WEB_REFRESH_COOKIE_SECURE) over HTTPS."),
                id="ninja_simple_jwt.E052",
            )
        )
    if s.JWT_ROTATE_REFRESH_TOKENS and s.JWT_REFRESH_REUSE_GRACE >= s.JWT_REFRESH_TOKEN_LIFETIME:
        messages.append(
            Warning(
                _(
                    "NINJA_SIMPLE_JWT['JWT_REFRESH_REUSE_GRACE'] (%(grace)s) is not shorter than "
                    "JWT_REFRESH_TOKEN_LIFETIME (%(lifetime)s): a used-up refresh token keeps working until it "
                    "expires, and a stolen one is never detected."
                )
                % {"grace": s.JWT_REFRESH_REUSE_GRACE, "lifetime": s.JWT_REFRESH_TOKEN_LIFETIME},
                hint=_("A grace of seconds covers a lost answer or two tabs refreshing at once (the default is 10 s)."),
                id="ninja_simple_jwt.W050",
            )
        )
    if s.JWT_LEEWAY > MAX_REASONABLE_LEEWAY:
        messages.append(
            Warning(
                _("NINJA_SIMPLE_JWT['JWT_LEEWAY'] is %(leeway)s: tokens are accepted that long after they expire.")
                % {"leeway": s.JWT_LEEWAY},
                hint=_("The leeway covers clock skew between hosts: seconds (the default is 10), not minutes."),
                id="ninja_simple_jwt.W051",
            )
        )
    return messages


# What goes wrong when each use of a cache does not see what the other workers wrote.
_PER_PROCESS_CONSEQUENCE = {
    "SIGN_IN_THROTTLE_CACHE": gettext_lazy(
        "each worker counts failed sign-ins on its own, so a guesser gets the limit once per worker"
    ),
    "JWT_REVOCATION_CACHE": gettext_lazy(
        "a session ended in one worker is not known to the others, which keep accepting its access tokens until "
        "they expire"
    ),
}


def _cache_backend(alias: str) -> type | None:
    caches = getattr(settings, "CACHES", None) or {"default": {}}
    path = caches.get(alias, {}).get("BACKEND", "django.core.cache.backends.locmem.LocMemCache")
    try:
        backend = import_string(path)
    except ImportError:
        return None  # Django's own cache checks say so
    return backend if isinstance(backend, type) else None


def _check_shared_caches() -> list[CheckMessage]:
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    s = ninja_simple_jwt_settings
    uses = []
    if s.SIGN_IN_MAX_FAILURES_PER_USERNAME or s.SIGN_IN_MAX_FAILURES_PER_ADDRESS:
        uses.append("SIGN_IN_THROTTLE_CACHE")
    if s.JWT_REVOKE_ACCESS_TOKENS:
        uses.append("JWT_REVOCATION_CACHE")
    messages: list[CheckMessage] = []
    for setting in uses:
        alias = getattr(s, setting)
        backend = _cache_backend(alias)
        if backend is None:
            continue
        where = {"setting": setting, "alias": alias, "backend": f"{backend.__module__}.{backend.__qualname__}"}
        hint = _("Give %(setting)s a cache every worker and host shares: Redis, Memcached or the database.") % {
            "setting": setting
        }
        if issubclass(backend, DummyCache):
            messages.append(
                Warning(
                    _(
                        "NINJA_SIMPLE_JWT['%(setting)s'] names the cache %(alias)r, a %(backend)s: it keeps nothing, "
                        "so %(what)s."
                    )
                    % {**where, "what": _DUMMY_CONSEQUENCE[setting]},
                    hint=hint,
                    id="ninja_simple_jwt.W041",
                )
            )
        elif issubclass(backend, LocMemCache) and not settings.DEBUG:
            messages.append(
                Warning(
                    _(
                        "NINJA_SIMPLE_JWT['%(setting)s'] names the cache %(alias)r, a %(backend)s, which lives in one "
                        "process: with several workers, %(what)s."
                    )
                    % {**where, "what": _PER_PROCESS_CONSEQUENCE[setting]},
                    hint=hint,
                    id="ninja_simple_jwt.W040",
                )
            )
    return messages


_DUMMY_CONSEQUENCE = {
    "SIGN_IN_THROTTLE_CACHE": gettext_lazy("failed sign-ins are never counted and nobody is ever throttled"),
    "JWT_REVOCATION_CACHE": gettext_lazy("an ended session's access tokens are accepted until they expire"),
}


SIGN_IN_ROUTE_NAMES = ("mobile_signin", "web_signin")


def _check_verify_only() -> list[CheckMessage]:
    mounted = [name for route in SIGN_IN_ROUTE_NAMES for name in _route_names(get_resolver(), [], route)]
    if not mounted:
        return []
    return [
        Warning(
            _(
                "This service has no JWT keys of its own and verifies trusted issuers' tokens only, but it mounts "
                "sign-in routes (%(routes)s): they answer 503."
            )
            % {"routes": ", ".join(mounted)},
            hint=_("Do not mount the sign-in routers here, or run `python manage.py make_jwt_key`."),
            id="ninja_simple_jwt.W030",
        )
    ]


def _check_trusted_issuers() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for entry in ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS:
        # The URL the keys come from: the jwks_url, or else the issuer's discovery document. An issuer
        # with a jwks_url is only a name, compared with the tokens' `iss`: its scheme fetches nothing.
        what, url = ("issuer", entry.issuer) if entry.jwks_url is None else ("jwks_url", entry.jwks_url)
        if url.startswith("http://") and not is_loopback_url(url):
            messages.append(
                Error(
                    _(
                        "NINJA_SIMPLE_JWT['JWT_TRUSTED_ISSUERS'] has the %(what)s %(url)r on plain http: its "
                        "keys are fetched over https only (plain http on loopback hosts only)."
                    )
                    % {"what": what, "url": url},
                    hint=_("Use the https:// URL the provider publishes."),
                    id="ninja_simple_jwt.E031",
                )
            )
    return messages
