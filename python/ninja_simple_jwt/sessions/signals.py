"""A password change ends the user's sessions started before it; deactivating or deleting a user ends all."""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from ninja_simple_jwt.sessions.models import EndReason
from ninja_simple_jwt.sessions.service import end_user_sessions

__all__: list[str] = []


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="ninja_simple_jwt_sessions_user_saved")
def _user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login update at every sign-in: nothing to end.
    if not getattr(instance, "is_active", True):
        end_user_sessions(instance.pk, EndReason.USER_DEACTIVATED)
    # set_password() keeps the raw password in _password until save() has run (AbstractBaseUser).
    elif getattr(instance, "_password", None) is not None:
        end_user_sessions(instance.pk, EndReason.PASSWORD_CHANGE, started_before=timezone.now())


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="ninja_simple_jwt_sessions_user_deleted")
def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The rows go with the user (CASCADE); ending them first puts them in the revocation cache.
    end_user_sessions(instance.pk, EndReason.USER_DELETED)
