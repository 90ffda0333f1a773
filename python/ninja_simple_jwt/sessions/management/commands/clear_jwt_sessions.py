"""`python manage.py clear_jwt_sessions`: deletes expired sessions and sessions ended long ago."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from ninja_simple_jwt.sessions.models import JwtSession
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Deletes expired sessions, and sessions ended more than --ended-days days ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ended-days",
            type=int,
            default=7,
            help="Keep ended sessions this many days, to see them in the admin (default 7).",
        )

    def handle(self, *args: Any, ended_days: int, **options: Any) -> None:
        if ended_days < 0:
            raise CommandError(gettext("--ended-days must be 0 or more."))
        now = timezone.now()
        leeway = ninja_simple_jwt_settings.JWT_LEEWAY
        # A refresh token is accepted until exp + leeway: its row must outlive that.
        stale = Q(expires_at__lt=now - leeway) | Q(revoked_at__lt=now - timedelta(days=ended_days))
        deleted, _ = JwtSession.objects.filter(stale).delete()
        self.stdout.write(
            ngettext(
                "Deleted %(count)d expired or ended session.", "Deleted %(count)d expired or ended sessions.", deleted
            )
            % {"count": deleted}
        )
