from django.urls import path
from ninja import NinjaAPI

from ninja_simple_jwt.auth.views.api import mobile_auth_router, web_auth_router
from ninja_simple_jwt.jwks import jwks_view, openid_configuration_view
from tests.routes import from_db, protected, scoped

api = NinjaAPI()
api.add_router("/auth/mobile/", mobile_auth_router)
api.add_router("/auth/web/", web_auth_router)
api.add_router("/protected/", protected)
api.add_router("/from-db/", from_db)
api.add_router("/scoped/", scoped)

urlpatterns = [
    path("api/", api.urls),
    path(".well-known/jwks.json", jwks_view),
    path(".well-known/openid-configuration", openid_configuration_view),
]
