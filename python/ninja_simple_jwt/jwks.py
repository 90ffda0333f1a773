"""The JWKS endpoint: the public keys that verify this server's tokens, for other services.

Mount it where clients look for it::

    path(".well-known/jwks.json", jwks_view)
"""

from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from ninja_simple_jwt.exceptions import InvalidKeyError
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from ninja_simple_jwt.unavailable import keys_unavailable

__all__ = ["jwks_view"]


# Exempt, so that a write gets require_safe's 405 whatever middleware runs first: the view reads nothing
# from the request and changes nothing, so CSRF has nothing to protect here.
@csrf_exempt
@require_safe
def jwks_view(request: HttpRequest) -> JsonResponse:
    """`{"keys": [...]}`: every key that verifies, the current one first; public members only."""
    try:
        jwks = key_ring.key_set().jwks()
    except InvalidKeyError as e:
        error = keys_unavailable(e)
        return JsonResponse({"detail": error.message}, status=error.status_code)
    response = JsonResponse(jwks)
    max_age = int(ninja_simple_jwt_settings.JWKS_MAX_AGE.total_seconds())
    patch_cache_control(response, public=True, max_age=max_age)
    return response
