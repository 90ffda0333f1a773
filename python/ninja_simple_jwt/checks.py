"""System checks (`manage.py check`): every NINJA_SIMPLE_JWT setting, the keys and the refresh-cookie path.

The ids, as the README lists them:

- E001 NINJA_SIMPLE_JWT is not a dict.
- E002 an unknown setting (the message names the closest valid one).
- E003 a setting of the wrong type or out of range, or an import path that does not import.
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
- E030 a trusted issuer (JWT_TRUSTED_ISSUERS) without an `audience`.
- E031 a trusted issuer or JWKS URL on plain http:// that is not a loopback host: its keys are never fetched.
- W030 a verify-only service (trusted issuers, no key files of its own) mounts the sign-in routes: they answer 503.

E001 to E007 and E030 are also raised as `ImproperlyConfigured` when Django starts: a server never runs with them.
"""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils.translation import gettext as _

from ninja_simple_jwt.exceptions import InvalidKeyError, KeyMismatchError
from ninja_simple_jwt.jwt.key_retrieval import KeyKind, key_path, key_ring, key_storage
from ninja_simple_jwt.jwt.remote_keys import is_loopback_url
from ninja_simple_jwt.sessions import sessions_enabled
from ninja_simple_jwt.settings import ninja_simple_jwt_settings, settings_problems

__all__ = ["check_settings"]

REFRESH_ROUTE_NAME = "web_token_refresh"
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
        *_check_trusted_issuers(),
    ]
    if s.WEB_REFRESH_COOKIE_SECURE is False and not settings.DEBUG:
        messages.append(
            Warning(
                "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_SECURE'] is False while DEBUG is off: browsers send the "
                "refresh token over plain HTTP.",
                hint="Remove the setting: by default the cookie is Secure whenever DEBUG is off.",
                id="ninja_simple_jwt.W001",
            )
        )
    if not s.WEB_REFRESH_COOKIE_HTTP_ONLY:
        messages.append(
            Warning(
                "NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_HTTP_ONLY'] is False: a script injected into the page can "
                "read the refresh token.",
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
            messages.append(
                Warning(
                    f"No JWT {kind} key at {key_path(kind)!r}.",
                    hint="Run `python manage.py make_jwt_key`, or set the key's path or the key itself.",
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
        messages.append(Error(f"The JWT keys cannot be used: {e}", id="ninja_simple_jwt.E008"))
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
    if not paths or any(_path_matches(path, cookie_path) for path in paths):
        return []
    return [
        Error(
            f"NINJA_SIMPLE_JWT['WEB_REFRESH_COOKIE_PATH'] is {cookie_path!r}, but the web token-refresh route is at "
            f"{', '.join(sorted(paths))}: browsers would never send it the refresh cookie.",
            hint=f"Set WEB_REFRESH_COOKIE_PATH to {min(paths)!r}.",
            id="ninja_simple_jwt.E010",
        )
    ]


def _check_sessions_router() -> list[CheckMessage]:
    if sessions_enabled() or next(_route_names(get_resolver(), [], SESSIONS_ROUTE_NAME), None) is None:
        return []
    return [
        Error(
            "sessions_router is mounted, but the app 'ninja_simple_jwt.sessions' is not in INSTALLED_APPS: its "
            "routes answer 404.",
            hint="Add 'ninja_simple_jwt.sessions' to INSTALLED_APPS and run migrate, or do not mount sessions_router.",
            id="ninja_simple_jwt.E011",
        )
    ]


def _path_matches(request_path: str, cookie_path: str) -> bool:
    # RFC 6265 section 5.1.4: the cookie path is the request path, or a prefix of it ending at a "/".
    return request_path == cookie_path or (
        request_path.startswith(cookie_path) and (cookie_path.endswith("/") or request_path[len(cookie_path)] == "/")
    )


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
        for what, url in (("issuer", entry.issuer), ("jwks_url", entry.jwks_url)):
            if url is not None and url.startswith("http://") and not is_loopback_url(url):
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
