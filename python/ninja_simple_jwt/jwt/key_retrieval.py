"""Where the keys come from: settings or storage, read into one key set that every process keeps current.

The key set holds the current key pair (the private key signs, its public key verifies), the public keys
retired by rotation (`JWT_PREVIOUS_PUBLIC_KEYS_PATH`) and JWT_EXTRA_PUBLIC_KEYS. A process re-reads the
sources every JWT_KEY_RELOAD_INTERVAL, and at once (at most once a second) when a token names a key it does
not know: after `make_jwt_key --rotate` on one host, every worker everywhere follows without a restart.
"""

import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.utils.dateparse import parse_datetime
from django.utils.functional import classproperty
from django.utils.module_loading import import_string

from ninja_simple_jwt._core import KeySet, SigningKey, VerifyingKey
from ninja_simple_jwt.exceptions import InvalidKeyError, KeyMismatchError
from ninja_simple_jwt.settings import ninja_simple_jwt_settings, on_reload

__all__ = [
    "InMemoryJwtKeyPair",
    "KeyKind",
    "KeyRing",
    "RetiredKey",
    "key_location",
    "key_path",
    "key_ring",
    "key_storage",
    "parse_retired_keys",
    "read_retired_keys",
    "retired_keys_text",
]

logger = logging.getLogger("ninja_simple_jwt")

KeyKind = Literal["private", "public", "previous"]

# A token naming an unknown `kid` makes the process read the sources again at most this often, so that
# tokens with made-up key ids cannot make it hammer the storage.
UNKNOWN_KID_RELOAD_GAP = 1.0

_HOW_TO_MAKE = "run `python manage.py make_jwt_key`"


def key_storage(kind: KeyKind) -> Any:
    """The storage that holds the `kind` key: JWT_PRIVATE/PUBLIC_KEY_STORAGE, else JWT_KEY_STORAGE.

    Retired public keys live with the public key.
    """
    s = ninja_simple_jwt_settings
    side = "PRIVATE" if kind == "private" else "PUBLIC"
    return import_string(getattr(s, f"JWT_{side}_KEY_STORAGE") or s.JWT_KEY_STORAGE)


def key_path(kind: KeyKind) -> str:
    """The name of the `kind` key in its storage."""
    s = ninja_simple_jwt_settings
    if kind == "previous":
        return str(s.JWT_PREVIOUS_PUBLIC_KEYS_PATH)
    return str(getattr(s, f"JWT_{kind.upper()}_KEY_PATH"))


def key_location(kind: KeyKind, name: str | None = None) -> str:
    """Where the `kind` key (or the file `name` in its storage) is, for messages: the absolute path the
    storage opens, so that a key looked for under another working directory is told apart; else the name
    and the storage's class."""
    storage = key_storage(kind)
    name = key_path(kind) if name is None else name
    try:
        return repr(str(storage.path(name)))
    except (NotImplementedError, AttributeError):
        return f"{name!r} in {type(storage).__name__}"


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)


def read_stored(kind: KeyKind) -> bytes | None:
    """The `kind` file's bytes, or None if there is none; InvalidKeyError if it cannot be read."""
    storage, path = key_storage(kind), key_path(kind)
    try:
        with storage.open(path, "rb") as f:
            return _as_bytes(f.read())
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise InvalidKeyError(f"The JWT {kind} key path {key_location(kind)} is a directory: name a file.") from None
    except OSError as e:
        raise InvalidKeyError(f"Cannot read the JWT {kind} key at {key_location(kind)}: {e.strerror or e}.") from None


def _read_key(kind: Literal["private", "public"]) -> bytes:
    inline = getattr(ninja_simple_jwt_settings, f"JWT_{kind.upper()}_KEY")
    if inline is not None:
        return _as_bytes(inline)
    data = read_stored(kind)
    if data is None:
        raise InvalidKeyError(
            f"No JWT {kind} key at {key_location(kind)}: {_HOW_TO_MAKE}, or set JWT_{kind.upper()}_KEY_PATH."
        )
    return data


@dataclass(frozen=True)
class RetiredKey:
    """A public key that no longer signs, and when it stopped (None if not recorded)."""

    pem: bytes
    retired_at: datetime | None


# The file of retired keys is PEM blocks, each after a "Retired: <ISO 8601>" line (RFC 7468 lets text
# stand between blocks), so that any PEM reader still finds the keys in it.
_RETIRED_BLOCK = re.compile(
    rb"(?:^Retired: *(?P<at>\S+)[ \t]*\r?\n)?(?P<pem>-----BEGIN (?P<label>[A-Z0-9 ]+)-----.*?-----END (?P=label)-----)",
    re.DOTALL | re.MULTILINE,
)


def parse_retired_keys(data: bytes) -> list[RetiredKey]:
    """The keys in a file of retired keys, oldest first."""
    keys = []
    for match in _RETIRED_BLOCK.finditer(data):
        at = match["at"]
        retired_at = parse_datetime(at.decode("ascii", "replace")) if at else None
        keys.append(RetiredKey(match["pem"] + b"\n", retired_at))
    return keys


def retired_keys_text(keys: Iterable[RetiredKey]) -> bytes:
    """The file of retired keys holding `keys`."""
    parts = []
    for key in keys:
        if key.retired_at is not None:
            parts.append(b"Retired: " + key.retired_at.isoformat().encode() + b"\n")
        parts.append(key.pem.strip() + b"\n")
    return b"".join(parts)


def read_retired_keys() -> list[RetiredKey]:
    """The public keys that `make_jwt_key --rotate` retired, oldest first."""
    data = read_stored("previous")
    return [] if data is None else parse_retired_keys(data)


@dataclass(frozen=True)
class _Sources:
    """Everything a key set is built from, as read; equal sources make an equal set."""

    private: bytes | None
    private_error: str | None
    public: bytes
    retired: tuple[bytes, ...] | None  # None: no file of retired keys
    extra: tuple[bytes, ...]

    def lost_something_of(self, before: "_Sources | None") -> bool:
        """Whether a file that `before` had is gone: a storage that deletes before it saves was caught
        between the two, or the file was really removed."""
        if before is None:
            return False
        return (before.private is not None and self.private is None) or (
            before.retired is not None and self.retired is None
        )


def _read_sources() -> _Sources:
    public = _read_key("public")
    try:
        private: bytes | None = _read_key("private")
        private_error = None
    except InvalidKeyError as e:
        # A process that only verifies needs no private key; one that signs is told why it cannot.
        private, private_error = None, str(e)
    stored = read_stored("previous")
    retired = None if stored is None else tuple(key.pem for key in reversed(parse_retired_keys(stored)))
    extra = tuple(_as_bytes(pem) for pem in ninja_simple_jwt_settings.JWT_EXTRA_PUBLIC_KEYS)
    return _Sources(private, private_error, public, retired, extra)


def _parse(pem: bytes, what: str, parse: type[VerifyingKey] | type[SigningKey]) -> Any:
    try:
        return parse(pem)
    except InvalidKeyError as e:
        raise InvalidKeyError(f"The {what}: {e}") from None


def _build(sources: _Sources) -> KeySet:
    s = ninja_simple_jwt_settings
    inline = s.JWT_PUBLIC_KEY is not None
    where = key_location
    current = _parse(sources.public, "JWT_PUBLIC_KEY" if inline else f"public key at {where('public')}", VerifyingKey)
    others = [_parse(pem, f"retired public key in {where('previous')}", VerifyingKey) for pem in sources.retired or ()]
    others += [_parse(pem, "key in JWT_EXTRA_PUBLIC_KEYS", VerifyingKey) for pem in sources.extra]
    signing = None
    if sources.private is not None:
        private_inline = s.JWT_PRIVATE_KEY is not None
        signing = _parse(
            sources.private, "JWT_PRIVATE_KEY" if private_inline else f"private key at {where('private')}", SigningKey
        )
        if signing.algorithm != s.JWT_ALGORITHM:
            logger.warning(
                "JWT_ALGORITHM is %s but the current key pair is %s: run `python manage.py make_jwt_key --rotate` "
                "to sign with %s from now on.",
                s.JWT_ALGORITHM,
                signing.algorithm,
                s.JWT_ALGORITHM,
            )
    try:
        return KeySet(
            [current, *others], signing, s.JWT_REMEMBERED_TOKENS, issuer=s.JWT_ISSUER, audience=s.JWT_AUDIENCE
        )
    except KeyMismatchError:
        private = "JWT_PRIVATE_KEY" if s.JWT_PRIVATE_KEY is not None else f"the private key at {where('private')}"
        public = "JWT_PUBLIC_KEY" if inline else f"the public key at {where('public')}"
        raise KeyMismatchError(
            f"{private} and {public} are not one key pair: run `python manage.py make_jwt_key --force` to "
            "make a new pair, or put back the file that was replaced."
        ) from None


class KeyRing:
    """The process's key set: read on first use and kept current.

    Reading again is cheap when nothing changed (the bytes are compared; nothing is parsed) and keeps the
    set, so its memory of verified tokens survives. While a rotation is half written (a new public key
    beside the old private key), a process keeps the set it has and tries again a moment later.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set: KeySet | None = None
        self._sources: _Sources | None = None
        self._next_read_at = 0.0  # time.monotonic() after which the sources are read again
        self._unknown_kid_read_at = float("-inf")
        # Why the last read found no usable keys, and until when that answer stands (time.monotonic()).
        self._failed: tuple[InvalidKeyError, float] | None = None

    def key_set(self) -> KeySet:
        """The current key set, read again first if JWT_KEY_RELOAD_INTERVAL has passed."""
        key_set = self._set
        if key_set is not None and time.monotonic() < self._next_read_at:
            return key_set
        with self._lock:
            if self._set is None or time.monotonic() >= self._next_read_at:
                self._read_or_fail()
            assert self._set is not None
            return self._set

    def _read_or_fail(self) -> None:
        """`_read()`, except that a read that found no usable keys is not repeated for
        UNKNOWN_KID_RELOAD_GAP: a service without keys of its own (it verifies trusted issuers' tokens)
        would read the storage for every token that claims to be its own. Called with the lock held."""
        if self._failed is not None and time.monotonic() < self._failed[1]:
            error = self._failed[0]
            raise type(error)(*error.args)
        try:
            self._read()
        except InvalidKeyError as e:
            self._failed = (e, time.monotonic() + UNKNOWN_KID_RELOAD_GAP)
            raise
        self._failed = None

    def current(self) -> KeySet | None:
        """The key set if it is in memory and no read of the sources is due; None otherwise.

        Never reads anything: an async route asks this on the event loop, and reads in a thread when None.
        """
        key_set = self._set
        return key_set if key_set is not None and time.monotonic() < self._next_read_at else None

    def signing_set(self) -> KeySet:
        """The current key set, which must hold a private key."""
        key_set = self.key_set()
        if not key_set.can_sign:
            assert self._sources is not None
            raise InvalidKeyError(self._sources.private_error or f"No JWT private key: {_HOW_TO_MAKE}.")
        return key_set

    def read_for_unknown_kid(self) -> bool:
        """Reads the sources again for a token whose `kid` is unknown; True if the set changed."""
        with self._lock:
            now = time.monotonic()
            if now - self._unknown_kid_read_at < UNKNOWN_KID_RELOAD_GAP:
                return False
            self._unknown_kid_read_at = now
            before = self._set
            self._read()
            return self._set is not before

    def clear(self) -> None:
        """Forget the set; the next use reads the sources again."""
        with self._lock:
            self._set = None
            self._sources = None
            self._unknown_kid_read_at = float("-inf")
            self._failed = None

    @staticmethod
    def _interval() -> float:
        return float(ninja_simple_jwt_settings.JWT_KEY_RELOAD_INTERVAL.total_seconds())

    def _read(self) -> None:
        """Reads the sources and builds a new set if they changed. Called with the lock held.

        A pair that does not match, or a file that was there and is gone, may be a rotation caught half
        written: read again a moment later, up to three times, before believing it.
        """
        for attempt in range(3):
            try:
                sources = _read_sources()
                if sources.lost_something_of(self._sources) and attempt < 2:
                    time.sleep(0.1)
                    continue
                if sources != self._sources:
                    key_set = _build(sources)
                    if self._set is not None:
                        logger.info("Loaded new JWT keys: %r", key_set)
                    self._set, self._sources = key_set, sources
                break
            except InvalidKeyError as e:
                if isinstance(e, KeyMismatchError) and attempt < 2:
                    time.sleep(0.1)
                    continue
                if self._set is None:
                    raise
                # Keep serving with the keys we have, and look again soon.
                logger.warning("Keeping the JWT keys in use: %s", e)
                self._next_read_at = time.monotonic() + UNKNOWN_KID_RELOAD_GAP
                return
        self._next_read_at = time.monotonic() + self._interval()


key_ring = KeyRing()
on_reload(key_ring.clear)


class InMemoryJwtKeyPair:
    """The current key pair's PEM bytes, as the original package names them; `clear()` forgets all keys.

    The keys themselves live in `key_ring`, which signs and verifies.
    """

    @classproperty
    def private_key(cls) -> bytes:
        """The current private key's PEM bytes."""
        return _read_key("private")

    @classproperty
    def public_key(cls) -> bytes:
        """The current public key's PEM bytes."""
        return _read_key("public")

    @classmethod
    def clear(cls) -> None:
        """Forget the keys; the next use reads them again."""
        key_ring.clear()
