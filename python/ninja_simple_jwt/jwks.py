"""The JWKS endpoint: the public keys that verify this server's tokens, for other services; and a small
discovery document that tells them where it is.

Mount them where clients look for them::

    path(".well-known/jwks.json", jwks_view),
    path(".well-known/openid-configuration", openid_configuration_view),
"""

from urllib.parse import urljoin

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from ninja_simple_jwt.exceptions import InvalidKeyError
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import keys_unavailable, unavailable_response

__all__ = ["jwks_view", "openid_configuration_view"]


# Exempt, so that a write gets require_safe's 405 whatever middleware runs first: the view reads nothing
# from the request and changes nothing, so CSRF has nothing to protect here.
@csrf_exempt
@require_safe
def jwks_view(request: HttpRequest) -> JsonResponse:
    """`{"keys": [...]}`: every key that verifies, the current one first; public members only."""
    try:
        jwks = key_ring.key_set().jwks()
    except InvalidKeyError as e:
        return unavailable_response(keys_unavailable(e).message)
    response = JsonResponse(jwks)
    max_age = int(ninja_simple_jwt_settings.JWKS_MAX_AGE.total_seconds())
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@require_safe
def openid_configuration_view(request: HttpRequest) -> JsonResponse:
    """`{"issuer": JWT_ISSUER, "jwks_uri": ...}`: the two members of an OpenID Provider's configuration
    (OpenID Connect Discovery 1.0 §3) a service needs to verify this project's tokens, and nothing more:
    this package signs access tokens, it is not an OpenID provider. 404 without JWT_ISSUER.

    `jwks_uri` is where `jwks_view` is mounted, on JWT_ISSUER's scheme and host.
    """
    s = ninja_simple_jwt_settings
    if s.JWT_ISSUER is None:
        raise Http404("JWT_ISSUER is not set.")
    try:
        jwks_path = reverse(jwks_view)
    except NoReverseMatch:
        jwks_path = "/.well-known/jwks.json"
    response = JsonResponse({"issuer": s.JWT_ISSUER, "jwks_uri": urljoin(s.JWT_ISSUER, jwks_path)})
    patch_cache_control(response, public=True, max_age=int(s.JWKS_MAX_AGE.total_seconds()))
    return response
