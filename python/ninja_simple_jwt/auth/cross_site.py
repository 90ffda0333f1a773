"""Refusing cross-site requests to the routes a browser sends the refresh cookie to.

`SameSite=Strict` keeps the cookie off cross-site requests in browsers that honour it; this is the check
that does not depend on the cookie's attributes (`SameSite=None`, an old browser). A request is cross-site
when the browser says so (`Sec-Fetch-Site: cross-site`), or when its `Origin` is neither the request's own
(scheme and host) nor in `CSRF_TRUSTED_ORIGINS` (wildcards as Django reads them). Requests with neither
header come from clients that are not browsers (curl, mobile apps), which no other site can drive.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import is_same_domain
from django.utils.translation import gettext
from ninja.errors import HttpError

__all__ = ["refuse_cross_site"]

logger = logging.getLogger("ninja_simple_jwt")


def _trusted(origin: str, request: HttpRequest) -> bool:
    if origin == f"{request.scheme}://{request.get_host()}":
        return True
    trusted = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
    if origin in trusted:
        return True
    parsed = urlsplit(origin)
    return any(
        "*" in pattern
        and urlsplit(pattern).scheme == parsed.scheme
        and is_same_domain(parsed.netloc, urlsplit(pattern).netloc.lstrip("*"))
        for pattern in trusted
    )


def refuse_cross_site(request: HttpRequest) -> None:
    """Raises a 403 `HttpError` if the request comes from another site, as the module says."""
    origin = request.META.get("HTTP_ORIGIN")
    if request.META.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
        why = "Sec-Fetch-Site: cross-site"
    elif origin is not None and not _trusted(origin, request):
        why = "an Origin that is not trusted"
    else:
        return
    logger.warning("Refused a cross-site request to %s (%s).", request.path, why)
    raise HttpError(403, gettext("Cross-site requests are refused."))
