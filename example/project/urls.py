from django.conf import settings
from django.urls import path
from ninja import NinjaAPI

from demo.api import router as demo_router
from demo.views import index
from ninja_simple_jwt.auth.views.api import mobile_auth_router, web_auth_router

api = NinjaAPI(title="ninja_simple_jwt example")
api.add_router("/auth/mobile/", mobile_auth_router)
api.add_router("/auth/web/", web_auth_router)
if settings.SESSIONS:
    # Imported only here: the original package, which `make bench` also serves, has no sessions_router.
    from ninja_simple_jwt.auth.views.api import sessions_router

    api.add_router("/auth/sessions/", sessions_router)
api.add_router("/", demo_router)

urlpatterns = [path("", index, name="index"), path("api/", api.urls)]

try:
    from ninja_simple_jwt.jwks import jwks_view, openid_configuration_view
except ImportError:  # the original package, which `make bench` also serves this project with, has none
    pass
else:
    # Where other services look for the public keys that verify this server's tokens, and (with
    # JWT_ISSUER set) the discovery document that points to them.
    urlpatterns.append(path(".well-known/jwks.json", jwks_view))
    urlpatterns.append(path(".well-known/openid-configuration", openid_configuration_view))
