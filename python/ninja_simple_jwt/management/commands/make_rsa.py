from ninja_simple_jwt.management.commands.make_jwt_key import Command as MakeJwtKey

__all__ = ["Command"]


class Command(MakeJwtKey):
    help = (
        "Makes the RSA key pair that signs and verifies JWTs (RS256) and saves it to the key storage. "
        "--rotate signs with a new pair while tokens already issued stay valid."
    )
    algorithm = "RS256"
