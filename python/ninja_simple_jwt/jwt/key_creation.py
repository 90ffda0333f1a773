"""Making key pairs, rotating them, and dropping retired keys whose tokens have all expired."""

from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from ninja_simple_jwt._core import VerifyingKey, generate_key_pair
from ninja_simple_jwt.exceptions import InvalidKeyError, KeyPairExistsError
from ninja_simple_jwt.jwt.key_retrieval import (
    KeyKind,
    RetiredKey,
    key_path,
    key_ring,
    key_storage,
    read_retired_keys,
    read_stored,
    retired_keys_text,
)
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

__all__ = ["make_and_save_key_pair", "make_keys", "prune_retired_keys"]


def make_keys(bits: int = 2048, algorithm: str | None = None) -> tuple[bytes, bytes]:
    """A new key pair as PEM (private, SPKI public) for `algorithm` (default: JWT_ALGORITHM).

    RSA private keys are PKCS#1, the others PKCS#8; `bits` is for RSA only.
    """
    return generate_key_pair(algorithm or ninja_simple_jwt_settings.JWT_ALGORITHM, bits)


def _make_rsa_keys() -> tuple[bytes, bytes]:
    """A new RS256 key pair as PEM (the original's helper, which its tests call)."""
    return make_keys(algorithm="RS256")


def _make_ed25519_keys() -> tuple[bytes, bytes]:
    """A new EdDSA (Ed25519) key pair as PEM (the original's helper, which its tests call)."""
    return make_keys(algorithm="EdDSA")


def make_and_save_key_pair(
    *, overwrite: bool = True, bits: int = 2048, algorithm: str | None = None, rotate: bool = False
) -> tuple[str, str]:
    """Makes a key pair, saves it to the key storages and starts using it; returns the two saved names.

    `rotate=True` keeps the replaced public key as a retired key, so tokens it signed keep verifying until
    they expire, and drops retired keys whose tokens have all expired. Otherwise an existing key file is
    left alone and `KeyPairExistsError` raised, unless `overwrite`: replacing keys without rotating makes
    every token issued so far fail verification.
    """
    s = ninja_simple_jwt_settings
    if rotate and (s.JWT_PRIVATE_KEY is not None or s.JWT_PUBLIC_KEY is not None):
        raise InvalidKeyError(
            _(
                "The keys are given inline in settings (JWT_PRIVATE_KEY, JWT_PUBLIC_KEY): rotate them where they "
                "are kept, and list the old public key in JWT_EXTRA_PUBLIC_KEYS until its tokens expire."
            )
        )
    kinds: tuple[KeyKind, KeyKind] = ("private", "public")
    existing = [key_path(kind) for kind in kinds if key_storage(kind).exists(key_path(kind))]
    if existing and not (overwrite or rotate):
        raise KeyPairExistsError(
            _(
                "A JWT key already exists at %(paths)s. To sign with a new key while tokens already issued stay "
                "valid, pass --rotate; to replace it and sign every user out, --force."
            )
            % {"paths": ", ".join(map(repr, existing))}
        )
    private, public = make_keys(bits, algorithm)
    if rotate:
        retired = _unexpired(read_retired_keys())
        current = read_stored("public")
        if current is not None:
            retired.append(RetiredKey(current, timezone.now()))
        _save("previous", retired_keys_text(retired))
    # The public key first: a process that reads between the two writes sees a pair that does not match,
    # keeps the keys it has and reads again a moment later.
    public_name = _save("public", public)
    private_name = _save("private", private)
    key_ring.clear()
    return private_name, public_name


def prune_retired_keys() -> int:
    """Drops the retired keys whose tokens have all expired; returns how many were dropped."""
    retired = read_retired_keys()
    kept = _unexpired(retired)
    if len(kept) != len(retired):
        _save("previous", retired_keys_text(kept))
        key_ring.clear()
    return len(retired) - len(kept)


def _unexpired(retired: list[RetiredKey]) -> list[RetiredKey]:
    """The retired keys that may still have signed an unexpired token, and those of unknown age."""
    s = ninja_simple_jwt_settings
    cutoff: datetime = timezone.now() - s.JWT_REFRESH_TOKEN_LIFETIME - s.JWT_LEEWAY
    kept = []
    seen = set()
    for key in retired:
        kid = VerifyingKey(key.pem).kid
        if kid not in seen and (key.retired_at is None or _aware(key.retired_at) > cutoff):
            kept.append(key)
            seen.add(kid)
    return kept


def _aware(value: datetime) -> datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt_timezone.utc)


def _save(kind: KeyKind, content: bytes) -> str:
    storage: Any = key_storage(kind)
    path = key_path(kind)
    # A storage that replaces a file in one step keeps it there throughout; others would save under a
    # new name beside the old file, so it goes first (readers then see it missing for a moment).
    if not getattr(storage, "replaces_atomically", False) and storage.exists(path):
        storage.delete(path)
    name: str = storage.save(path, ContentFile(content))
    if name != path:
        raise InvalidKeyError(
            _(
                "The key storage saved %(path)s as %(name)s; the keys would not be found. Configure the storage "
                "to keep the given names."
            )
            % {"path": repr(path), "name": repr(name)}
        )
    return name
