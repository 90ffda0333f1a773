from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ninja_simple_jwt.jwt.key_retrieval import private_key_storage, public_key_storage
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

USERNAME = "demo"
PASSWORD = "demo-pass-1234"


class Command(BaseCommand):
    help = "Prepares the demo: database tables, a key pair on first run, and the user demo."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        s = ninja_simple_jwt_settings
        if private_key_storage().exists(s.JWT_PRIVATE_KEY_PATH) and public_key_storage().exists(s.JWT_PUBLIC_KEY_PATH):
            self.stdout.write("Using the existing key pair.")
        else:
            call_command("make_rsa", stdout=self.stdout)
        user, created = get_user_model().objects.get_or_create(username=USERNAME)
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.save()
        self.stdout.write(f"User {USERNAME!r} with password {PASSWORD!r} is ready.")
