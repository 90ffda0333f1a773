"""The configured key pair, read once from settings or storage and parsed once by the core."""

from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import classproperty
from django.utils.module_loading import import_string

from ninja_simple_jwt._core import SigningKey, VerifyingKey
from ninja_simple_jwt.exceptions import InvalidKeyError
from ninja_simple_jwt.settings import ninja_simple_jwt_settings, on_reload

__all__ = ["InMemoryJwtKeyPair", "KeyKind", "key_storage"]

KeyKind = Literal["private", "public"]


def key_storage(kind: KeyKind) -> Any:
    """The storage that holds the `kind` key: JWT_PRIVATE/PUBLIC_KEY_STORAGE, else JWT_KEY_STORAGE."""
    s = ninja_simple_jwt_settings
    return import_string(getattr(s, f"JWT_{kind.upper()}_KEY_STORAGE") or s.JWT_KEY_STORAGE)


def key_path(kind: KeyKind) -> str:
    """The name of the `kind` key in its storage: JWT_PRIVATE/PUBLIC_KEY_PATH."""
    return str(getattr(ninja_simple_jwt_settings, f"JWT_{kind.upper()}_KEY_PATH"))


def _read_key(kind: KeyKind) -> bytes:
    inline = getattr(ninja_simple_jwt_settings, f"JWT_{kind.upper()}_KEY")
    if inline is not None:
        return inline.encode() if isinstance(inline, str) else bytes(inline)
    storage, path = key_storage(kind), key_path(kind)
    try:
        with storage.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InvalidKeyError(
            f"No JWT {kind} key at {path!r} in {type(storage).__name__}: run `python manage.py make_rsa`, "
            f"or set JWT_{kind.upper()}_KEY_PATH."
        ) from None
    return data.encode() if isinstance(data, str) else bytes(data)


class InMemoryJwtKeyPair:
    """The key pair in memory: PEM bytes as read, and the parsed keys the core signs and verifies with.

    Everything is loaded on first use and kept until `clear()`, which runs when the NINJA_SIMPLE_JWT
    setting changes and when `make_and_save_key_pair` replaces the keys.
    """

    _private_key: bytes | None = None
    _public_key: bytes | None = None
    _signing_key: SigningKey | None = None
    _verifying_key: VerifyingKey | None = None

    @classproperty
    def private_key(cls) -> bytes:
        """The private key's PEM bytes."""
        if cls._private_key is None:
            cls._private_key = _read_key("private")
        return cls._private_key

    @classproperty
    def public_key(cls) -> bytes:
        """The public key's PEM bytes."""
        if cls._public_key is None:
            cls._public_key = _read_key("public")
        return cls._public_key

    @classproperty
    def signing_key(cls) -> SigningKey:
        """The parsed private key."""
        key = cls._signing_key
        if key is None:
            key = cls._signing_key = SigningKey(cls.private_key)
        return key

    @classproperty
    def verifying_key(cls) -> VerifyingKey:
        """The parsed public key, remembering up to JWT_REMEMBERED_TOKENS verified tokens."""
        key = cls._verifying_key
        if key is None:
            remember = ninja_simple_jwt_settings.JWT_REMEMBERED_TOKENS
            if isinstance(remember, bool) or not isinstance(remember, int) or remember < 0:
                raise ImproperlyConfigured("NINJA_SIMPLE_JWT['JWT_REMEMBERED_TOKENS'] must be an integer >= 0.")
            key = cls._verifying_key = VerifyingKey(cls.public_key, remember)
        return key

    @classmethod
    def clear(cls) -> None:
        """Forget the keys; the next use reads them again."""
        cls._private_key = None
        cls._public_key = None
        cls._signing_key = None
        cls._verifying_key = None


on_reload(InMemoryJwtKeyPair.clear)
