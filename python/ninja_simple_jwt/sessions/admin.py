from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja.errors import HttpError

from ninja_simple_jwt.sessions.models import EndReason, JwtSession
from ninja_simple_jwt.sessions.service import end_sessions

__all__ = ["JwtSessionAdmin"]


@admin.register(JwtSession)
class JwtSessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Sessions, read-only, with an action that ends them."""

    list_display = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "revoked_at",
        "revoked_reason",
    )
    list_filter = ("revoked_reason", "revoked_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("=id", "user__username", "user_agent")
    ordering = ("-created_at",)
    actions = ("revoke",)
    readonly_fields = tuple(f.name for f in JwtSession._meta.fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Only a sign-in starts a session.

    @admin.action(description=gettext_lazy("Revoke the selected sessions"), permissions=("change",))
    def revoke(self, request: HttpRequest, queryset: "QuerySet[JwtSession]") -> None:
        try:
            ended = end_sessions(queryset, EndReason.ADMIN)
        except HttpError:
            self.message_user(
                request, _("The revocation cache cannot be reached: nothing was revoked."), messages.ERROR
            )
            return
        self.message_user(
            request,
            ngettext("Revoked %(count)d session.", "Revoked %(count)d sessions.", ended) % {"count": ended},
            messages.SUCCESS,
        )
