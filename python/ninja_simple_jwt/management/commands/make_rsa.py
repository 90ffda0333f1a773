from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ninja_simple_jwt.exceptions import KeyPairExistsError
from ninja_simple_jwt.jwt.key_creation import make_and_save_key_pair
from ninja_simple_jwt.jwt.key_retrieval import key_storage
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["Command"]


def _where(storage: Any, name: str) -> str:
    try:
        return str(storage.path(name))
    except NotImplementedError:
        return f"{name} in {type(storage).__name__}"


class Command(BaseCommand):
    help = "Makes the RSA key pair that signs and verifies JWTs, and saves it to the configured key storage."
    # The checks report missing or broken keys: this command is how they get fixed.
    requires_system_checks: tuple[str, ...] = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing key pair. Every token issued so far stops working: all users are signed out.",
        )
        parser.add_argument("--bits", type=int, default=2048, choices=[2048, 3072, 4096], help="Key size (2048).")

    def handle(self, *args: Any, force: bool, bits: int, **options: Any) -> None:
        try:
            private_name, public_name = make_and_save_key_pair(overwrite=force, bits=bits)
        except KeyPairExistsError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(self.style.SUCCESS(f"Made a {bits}-bit RSA key pair."))
        self.stdout.write(f"Private key (keep it secret): {_where(key_storage('private'), private_name)}")
        self.stdout.write(f"Public key: {_where(key_storage('public'), public_name)}")
        s = ninja_simple_jwt_settings
        if s.JWT_PRIVATE_KEY is not None or s.JWT_PUBLIC_KEY is not None:
            self.stderr.write(
                self.style.WARNING(
                    "JWT_PRIVATE_KEY or JWT_PUBLIC_KEY is set in settings and is used instead of these files."
                )
            )
