from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ninja_simple_jwt.exceptions import InvalidKeyError, KeyPairExistsError
from ninja_simple_jwt.jwt.key_creation import make_and_save_key_pair, prune_retired_keys
from ninja_simple_jwt.jwt.key_retrieval import key_location
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["Command"]

ALGORITHMS = ["RS256", "ES256", "EdDSA"]


class Command(BaseCommand):
    help = (
        "Makes the key pair that signs and verifies JWTs (for JWT_ALGORITHM) and saves it to the key storage. "
        "--rotate signs with a new pair while tokens already issued stay valid."
    )
    algorithm: str | None = None  # None: JWT_ALGORITHM, or --algorithm
    # The checks report missing or broken keys: this command is how they get fixed.
    requires_system_checks: tuple[str, ...] = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Sign with a new key pair from now on; the old public key keeps verifying the tokens it signed "
            "until they expire (JWT_REFRESH_TOKEN_LIFETIME). Also drops retired keys whose tokens have expired.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing key pair. Every token issued so far stops working: all users are signed out.",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Only drop retired public keys whose tokens have all expired; make no key.",
        )
        if self.algorithm is None:
            parser.add_argument("--algorithm", choices=ALGORITHMS, help="The algorithm (default: JWT_ALGORITHM).")
        parser.add_argument("--bits", type=int, default=2048, choices=[2048, 3072, 4096], help="RSA key size (2048).")

    def handle(self, *args: Any, rotate: bool, force: bool, prune: bool, bits: int, **options: Any) -> None:
        try:
            if prune:
                dropped = prune_retired_keys()
                self.stdout.write(
                    ngettext(
                        "Dropped %(count)d retired public key whose tokens have all expired.",
                        "Dropped %(count)d retired public keys whose tokens have all expired.",
                        dropped,
                    )
                    % {"count": dropped}
                )
                return
            algorithm = self.algorithm or options.get("algorithm") or ninja_simple_jwt_settings.JWT_ALGORITHM
            private_name, public_name = make_and_save_key_pair(
                overwrite=force, bits=bits, algorithm=algorithm, rotate=rotate
            )
        except (KeyPairExistsError, InvalidKeyError) as e:
            raise CommandError(str(e)) from e
        # Whole sentences, so that each language can place the words its own way.
        made = {
            ("RS256", False): _("Made a %(bits)d-bit RSA key pair."),
            ("RS256", True): _("Rotated to a %(bits)d-bit RSA key pair."),
            ("ES256", False): _("Made a P-256 (ES256) key pair."),
            ("ES256", True): _("Rotated to a P-256 (ES256) key pair."),
            ("EdDSA", False): _("Made an Ed25519 (EdDSA) key pair."),
            ("EdDSA", True): _("Rotated to an Ed25519 (EdDSA) key pair."),
        }[algorithm, rotate]
        self.stdout.write(self.style.SUCCESS(made % {"bits": bits}))  # a mapping: no placeholder is fine
        self.stdout.write(_("Private key (keep it secret): %(path)s") % {"path": key_location("private", private_name)})
        self.stdout.write(_("Public key: %(path)s") % {"path": key_location("public", public_name)})
        if rotate:
            self.stdout.write(
                _(
                    "The previous public key keeps verifying until its tokens expire; every process signs with "
                    "the new key within JWT_KEY_RELOAD_INTERVAL."
                )
            )
        s = ninja_simple_jwt_settings
        if s.JWT_PRIVATE_KEY is not None or s.JWT_PUBLIC_KEY is not None:
            self.stderr.write(
                self.style.WARNING(
                    _("JWT_PRIVATE_KEY or JWT_PUBLIC_KEY is set in settings and is used instead of these files.")
                )
            )
