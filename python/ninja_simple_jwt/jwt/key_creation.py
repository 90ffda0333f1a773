"""Making a new RSA key pair and saving it to the configured storages."""

from typing import Any

from django.core.files.base import ContentFile

from ninja_simple_jwt._core import generate_key_pair
from ninja_simple_jwt.exceptions import InvalidKeyError, KeyPairExistsError
from ninja_simple_jwt.jwt.key_retrieval import InMemoryJwtKeyPair, key_path, key_storage

__all__ = ["make_and_save_key_pair", "make_keys"]


def make_keys(bits: int = 2048) -> tuple[bytes, bytes]:
    """A new RSA key pair as PEM: (PKCS#1 private key, SPKI public key)."""
    return generate_key_pair(bits)


def make_and_save_key_pair(*, overwrite: bool = True, bits: int = 2048) -> tuple[str, str]:
    """Makes a key pair, saves it to the key storages and starts using it; returns the two saved names.

    With `overwrite=False` an existing key file is left alone and `KeyPairExistsError` is raised:
    replacing the keys makes every token issued so far fail verification.
    """
    targets: list[tuple[Any, str]] = [(key_storage(kind), key_path(kind)) for kind in ("private", "public")]
    existing = [path for storage, path in targets if storage.exists(path)]
    if existing and not overwrite:
        raise KeyPairExistsError(
            f"A JWT key already exists at {', '.join(map(repr, existing))}. Replacing it signs every user "
            "out; to do so anyway, pass --force (or overwrite=True)."
        )
    pems = make_keys(bits)
    saved = []
    for (storage, path), pem in zip(targets, pems, strict=True):
        if storage.exists(path):
            storage.delete(path)
        name = storage.save(path, ContentFile(pem))
        if name != path:
            raise InvalidKeyError(
                f"The key storage saved {path!r} as {name!r}; the keys would not be found. "
                "Configure the storage to keep the given names."
            )
        saved.append(name)
    InMemoryJwtKeyPair.clear()
    return saved[0], saved[1]
