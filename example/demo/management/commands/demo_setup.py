from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ninja_simple_jwt.jwt.key_retrieval import key_path, key_storage

USERNAME = "demo"
PASSWORD = "demo-pass-1234"


class Command(BaseCommand):
    help = "Prepares the demo: database tables, a key pair for JWT_ALGORITHM on first run, and the user demo."
    # It makes the keys whose absence the checks would warn about.
    requires_system_checks = ()

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if all(key_storage(kind).exists(key_path(kind)) for kind in ("private", "public")):
            self.stdout.write("Using the existing key pair.")
        else:
            call_command("make_jwt_key", stdout=self.stdout)  # for JWT_ALGORITHM
        user, created = get_user_model().objects.get_or_create(username=USERNAME)
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.save()
        self.stdout.write(f"User {USERNAME!r} with password {PASSWORD!r} is ready.")
