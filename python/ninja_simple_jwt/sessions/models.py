"""The session row. No token is stored: only the `jti` of the current refresh token and of the one before."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["EndReason", "JwtSession"]


class EndReason(models.TextChoices):
    """Why a session ended."""

    SIGN_OUT = "sign-out", _("signed out")
    ENDED_BY_USER = "ended-by-user", _("ended from the session list")
    REVOKE_ALL = "revoke-all", _("all sessions ended by the user")
    REFRESH_REUSE = "refresh-reuse", _("a used-up refresh token was presented again")
    PASSWORD_CHANGE = "password-change", _("the password changed")
    USER_DEACTIVATED = "user-deactivated", _("the user was deactivated")
    USER_DELETED = "user-deleted", _("the user was deleted")
    ADMIN = "admin", _("revoked in the admin")


class JwtSession(models.Model):
    """One sign-in: its tokens carry this row's id in their `sid` claim."""

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jwt_sessions", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"))
    # When the current refresh token expires; the row is useless after it (see clear_jwt_sessions).
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    user_agent = models.CharField(_("user agent"), max_length=256, blank=True)
    # The current refresh token's jti; with rotation, the one it replaced and when, for the reuse grace.
    refresh_jti = models.CharField(_("refresh jti"), max_length=64)
    previous_jti = models.CharField(_("previous jti"), max_length=64, blank=True)
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, db_index=True)
    revoked_reason = models.CharField(_("revoked reason"), max_length=32, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "revoked_at"], name="jwt_session_user_revoked")]  # noqa: RUF012

    def __str__(self) -> str:
        return self.id.hex

    @property
    def is_live(self) -> bool:
        """Not revoked (expiry is the refresh token's business)."""
        return self.revoked_at is None
