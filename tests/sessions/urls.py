from django.contrib import admin
from django.urls import path
from ninja import NinjaAPI

from ninja_simple_jwt.auth.views.api import mobile_auth_router, sessions_router, web_auth_router
from tests.routes import from_db, protected

api = NinjaAPI()
api.add_router("/auth/mobile/", mobile_auth_router)
api.add_router("/auth/web/", web_auth_router)
api.add_router("/auth/sessions/", sessions_router)
api.add_router("/protected/", protected)
api.add_router("/from-db/", from_db)

urlpatterns = [path("api/", api.urls), path("admin/", admin.site.urls)]
