import warnings
from typing import Any

from django.core.management import call_command

from ninja_simple_jwt.management.commands.make_jwt_key import Command as MakeJwtKey
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["Command"]


class Command(MakeJwtKey):
    help = (
        "Makes the RSA key pair that signs and verifies JWTs (RS256) and saves it to the key storage. "
        "--rotate signs with a new pair while tokens already issued stay valid. With COMPATIBLE_WITH "
        '"0.8", a deprecated alias of make_jwt_key, as in the original 0.8.'
    )
    algorithm = "RS256"

    def handle(self, *args: Any, rotate: bool, force: bool, prune: bool, bits: int, **options: Any) -> None:
        if ninja_simple_jwt_settings.COMPATIBLE_WITH < "0.8":
            super().handle(*args, rotate=rotate, force=force, prune=prune, bits=bits, **options)
            return
        # The original 0.8's make_rsa: a warning, then make_jwt_key for JWT_ALGORITHM (the flags given pass on).
        warnings.warn("make_rsa is deprecated, use make_jwt_key instead.", DeprecationWarning, stacklevel=2)
        flags: dict[str, bool | int] = {
            name: value for name, value in (("rotate", rotate), ("force", force), ("prune", prune)) if value
        }
        if bits != 2048:
            flags["bits"] = bits
        call_command("make_jwt_key", **flags)
