"""Why a browser may not have sent the refresh cookie: told to the developer in DEBUG, never in production."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext

from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["cookie_path_matches", "missing_cookie_reasons"]


def cookie_path_matches(request_path: str, cookie_path: str) -> bool:
    """Whether a browser sends a cookie of `cookie_path` to `request_path` (RFC 6265, section 5.1.4)."""
    return request_path == cookie_path or (
        request_path.startswith(cookie_path) and (cookie_path.endswith("/") or request_path[len(cookie_path)] == "/")
    )


def missing_cookie_reasons(request: HttpRequest) -> str:
    """In DEBUG, the reasons a browser may have had not to send the refresh cookie with `request`; else ""."""
    if not settings.DEBUG:
        # In production the answer stays the same whatever the reason: it tells nothing about the setup.
        return ""
    s = ninja_simple_jwt_settings
    reasons = []
    if not cookie_path_matches(request.path, s.WEB_REFRESH_COOKIE_PATH):
        reasons.append(
            gettext(
                "The refresh cookie's Path is %(cookie_path)s, which does not cover %(path)s: browsers send it only "
                "to URLs under its Path (WEB_REFRESH_COOKIE_PATH)."
            )
            % {"cookie_path": s.WEB_REFRESH_COOKIE_PATH, "path": request.path}
        )
    if s.WEB_REFRESH_COOKIE_SECURE and not request.is_secure():
        reasons.append(
            gettext(
                "The refresh cookie is Secure and this request came over plain http: browsers keep and send Secure "
                "cookies only over https (and to http://localhost). Use https, or set WEB_REFRESH_COOKIE_SECURE "
                "to False while developing."
            )
        )
    if not reasons:
        reasons.append(
            gettext(
                "The browser sent no %(name)s cookie: it was never set (no sign-in from this browser), it has "
                "expired, or its SameSite=%(same_site)s kept it from a request another site started."
            )
            % {"name": s.JWT_REFRESH_COOKIE_NAME, "same_site": s.WEB_REFRESH_COOKIE_SAME_SITE_POLICY}
        )
    return " ".join([gettext("(DEBUG)"), *reasons])
