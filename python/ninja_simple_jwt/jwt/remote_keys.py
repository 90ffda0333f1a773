"""The keys of trusted issuers (JWT_TRUSTED_ISSUERS), fetched from their JWKS and kept current.

Each trusted issuer has one `RemoteKeySet` per process: the verifier only asks it for "the key set for
this `kid`", as panva/jose's remote JWK Set does, and fetching stays apart from verifying:

- a token whose `kid` the held keys know never waits: when the keys are older than their lifetime
  (JWT_JWKS_CACHE_LIFETIME, or the response's `Cache-Control: max-age` within it) a background thread
  fetches them again, and requests go on with the held keys meanwhile;
- an unknown `kid` may wait for one fetch, at most one per JWT_JWKS_COOLDOWN: a flood of made-up `kid`s
  costs the provider one request per cooldown, and concurrent requests share the fetch in flight;
- a failed, slow (JWT_JWKS_TIMEOUT) or oversized fetch keeps the keys held, expired or not, and logs one
  warning per outage.

Only URLs from settings are fetched, and the `jwks_uri` of a trusted issuer's discovery document whose
`issuer` is the entry's own: never a URL from a token. https only, except loopback hosts; a redirect to
another host is refused.
"""

import hashlib
import http.client
import ipaddress
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from ninja_simple_jwt._core import KeySet, issuer_and_kid
from ninja_simple_jwt.exceptions import InvalidIssuerError, KeysUnavailableError
from ninja_simple_jwt.settings import TrustedIssuer, ninja_simple_jwt_settings, on_reload

__all__ = [
    "MAX_RESPONSE_BYTES",
    "FetchError",
    "RemoteKeySet",
    "TrustedIssuers",
    "is_loopback_url",
    "trusted_issuers",
]

logger = logging.getLogger("ninja_simple_jwt")

# A discovery document or a JWK Set is a few KiB; anything much larger is not one.
MAX_RESPONSE_BYTES = 256 * 1024

# `Cache-Control: max-age` is honoured between these bounds: at least the cooldown (a provider answering
# max-age=0 must not be fetched on every request), at most JWT_JWKS_CACHE_LIFETIME.
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\s*(?:,|$)", re.IGNORECASE)


class FetchError(Exception):
    """A fetch of a discovery document or a JWK Set failed; the message says why (never a body)."""


def is_loopback_url(url: str) -> bool:
    """Whether the URL's host is this machine: `localhost`, 127.0.0.0/8 or ::1."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed(url: str) -> str:
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise FetchError(f"{url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback_url(url):
        raise FetchError(f"{url!r} is not https (plain http is allowed for loopback hosts only)")
    return url


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same scheme, host and port: a JWKS must not come from elsewhere."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
            fp.close()
            raise FetchError(f"{req.full_url!r} redirected to another host")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_SameHostRedirects())


def _get(url: str, deadline: float) -> tuple[bytes, str]:
    """The body of a 200 answer to GET `url` and its Cache-Control, within the deadline and the size bound."""
    _allowed(url)
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "ninja-simple-jwt"})
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"no time left to fetch {url!r}")
    try:
        with _opener.open(request, timeout=remaining) as response:
            if response.status != 200:
                raise FetchError(f"{url!r} answered {response.status}")
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
                raise FetchError(f"{url!r} answered more than {MAX_RESPONSE_BYTES} bytes")
            body = bytearray()
            # read1 returns what has arrived: a server that trickles bytes meets the deadline.
            while chunk := response.read1(16384):
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise FetchError(f"{url!r} answered more than {MAX_RESPONSE_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url!r} did not answer within JWT_JWKS_TIMEOUT")
            return bytes(body), response.headers.get("Cache-Control", "")
    except urllib.error.HTTPError as e:
        e.close()
        raise FetchError(f"{url!r} answered {e.code}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        if isinstance(reason, FetchError):
            raise reason from None
        raise FetchError(f"cannot fetch {url!r}: {reason}") from None


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        raise FetchError(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise FetchError(f"the {what} is not a JSON object")
    return value


class RemoteKeySet:
    """The keys of one trusted issuer in this process: fetched on first use, kept current, never blocking
    requests whose `kid` is known."""

    def __init__(self, entry: TrustedIssuer) -> None:
        s = ninja_simple_jwt_settings
        self.entry = entry
        self.lifetime: float = s.JWT_JWKS_CACHE_LIFETIME.total_seconds()
        self.cooldown: float = s.JWT_JWKS_COOLDOWN.total_seconds()
        self.timeout: float = s.JWT_JWKS_TIMEOUT.total_seconds()
        self.remember: int = s.JWT_REMEMBERED_TOKENS
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._digest = b""  # of the JWK Set the keys were built from: an unchanged one keeps the set
        self._fresh_until = float("-inf")
        self._last_fetch = float("-inf")  # when the last fetch started
        self._in_flight: threading.Event | None = None
        self._jwks_url = entry.jwks_url  # found by discovery when None
        self._failing = False
        self.fetches = 0  # fetches started by this process

    def would_wait(self, kid: str | None) -> bool:
        """Whether verifying a token naming `kid` would wait for the network (a fetch in flight or due)."""
        keys = self._keys
        if keys is not None and keys.knows(kid):
            return False
        return self._in_flight is not None or self._may_fetch_for_unknown(time.monotonic())

    def key_set(self, kid: str | None) -> KeySet:
        """The keys to verify a token naming `kid` (None: no `kid`) with.

        Known `kid`: the held keys at once (a fetch starts in the background when they are old). Unknown:
        waits for the fetch in flight, or makes one if the cooldown allows; then whatever keys are held.
        `KeysUnavailableError` when no keys could ever be fetched.
        """
        keys = self._keys
        if keys is not None and keys.knows(kid):
            if time.monotonic() >= self._fresh_until:
                self._start(background=True)
            return keys
        flight = self._start(background=False)
        if flight is not None:
            flight.wait(self.timeout + 1)
        keys = self._keys
        if keys is None:
            raise KeysUnavailableError(f"No keys of the trusted issuer {self.entry.issuer!r} could be fetched yet.")
        return keys

    def _may_fetch_for_unknown(self, now: float) -> bool:
        return now - self._last_fetch >= self.cooldown

    def _start(self, *, background: bool) -> threading.Event | None:
        """Starts a fetch unless one is in flight or too recent; returns the flight to wait for, if any."""
        with self._lock:
            if self._in_flight is not None:
                return None if background else self._in_flight
            now = time.monotonic()
            if background:
                if now < self._fresh_until:
                    return None
            elif not self._may_fetch_for_unknown(now):
                return None
            flight = self._in_flight = threading.Event()
            self._last_fetch = now
            self.fetches += 1
        if background:
            threading.Thread(target=self._fetch, args=(flight,), name="ninja-simple-jwt-jwks", daemon=True).start()
            return None
        self._fetch(flight)
        return None

    def _fetch(self, flight: threading.Event) -> None:
        try:
            deadline = time.monotonic() + self.timeout
            body, cache_control = _get(self._find_jwks_url(deadline), deadline)
            digest = hashlib.sha256(body).digest()
            keys = self._keys
            if keys is None or digest != self._digest:
                keys, skipped = KeySet.from_jwks(
                    body,
                    issuer=self.entry.issuer,
                    audiences=self.entry.audiences,
                    algorithms=self.entry.algorithms,
                    remember=self.remember,
                )
                if skipped:
                    logger.debug("Skipped %d members of %s's JWK Set.", skipped, self.entry.issuer)
                if self._keys is not None:
                    logger.info("New keys of the trusted issuer %s: %s", self.entry.issuer, keys.kids)
            with self._lock:
                self._keys, self._digest = keys, digest
                self._fresh_until = time.monotonic() + self._lifetime(cache_control)
            if self._failing:
                self._failing = False
                logger.warning("The keys of the trusted issuer %s can be fetched again.", self.entry.issuer)
        except Exception as e:
            with self._lock:
                self._fresh_until = time.monotonic() + self.cooldown
                if self.entry.jwks_url is None:
                    self._jwks_url = None  # discover again next time: the jwks_uri may have moved
            if not self._failing:
                self._failing = True
                held = f"keeping the {len(self._keys.kids)} keys held" if self._keys else "no keys held"
                reason = e if isinstance(e, FetchError) else f"{type(e).__name__}: {e}"
                logger.warning(
                    "Cannot fetch the keys of the trusted issuer %s (%s); %s.", self.entry.issuer, reason, held
                )
        finally:
            with self._lock:
                self._in_flight = None
            flight.set()

    def _find_jwks_url(self, deadline: float) -> str:
        url = self._jwks_url
        if url is None:
            body, _ = _get(self.entry.discovery_url, deadline)
            document = _json_object(body, "discovery document")
            # OpenID Connect Discovery 1.0 §4.3: the document must name the very issuer it was fetched for.
            if document.get("issuer") != self.entry.issuer:
                raise FetchError("the discovery document names another issuer")
            url = document.get("jwks_uri")
            if not isinstance(url, str):
                raise FetchError("the discovery document has no jwks_uri")
            self._jwks_url = _allowed(url)
        return url

    def _lifetime(self, cache_control: str) -> float:
        if _NO_CACHE.search(cache_control):
            return min(self.cooldown, self.lifetime)
        match = _MAX_AGE.search(cache_control)
        if match is None:
            return self.lifetime
        return max(min(self.cooldown, self.lifetime), min(float(match[1]), self.lifetime))


class TrustedIssuers:
    """The process's `RemoteKeySet` of each trusted issuer, built on first use, dropped when settings change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, RemoteKeySet] | None = None

    def sets(self) -> dict[str, RemoteKeySet]:
        """Each trusted issuer's key set, by issuer."""
        sets = self._sets
        if sets is None:
            with self._lock:
                sets = self._sets
                if sets is None:
                    entries = ninja_simple_jwt_settings.JWT_TRUSTED_ISSUERS
                    sets = self._sets = {entry.issuer: RemoteKeySet(entry) for entry in entries}
        return sets

    def route(self, token: str) -> tuple[RemoteKeySet | None, str | None]:
        """Which keys verify `token`: a trusted issuer's (and the `kid`), or None for this project's own.

        No `iss`, or JWT_ISSUER, is this project's; another `iss` that is not trusted is an
        `InvalidIssuerError`, before any network request or signature check.
        """
        iss, kid = issuer_and_kid(token)
        if iss is None or iss == ninja_simple_jwt_settings.JWT_ISSUER:
            return None, kid
        remote = self.sets().get(iss)
        if remote is None:
            raise InvalidIssuerError("The token's issuer is not trusted.")
        return remote, kid

    def clear(self) -> None:
        """Forget every trusted issuer's keys."""
        with self._lock:
            self._sets = None

    def _forget_after_fork(self) -> None:
        # A child forked while a fetch was in flight inherits held locks and a flight no thread finishes.
        self._lock = threading.Lock()
        self._sets = None


trusted_issuers = TrustedIssuers()
on_reload(trusted_issuers.clear)
os.register_at_fork(after_in_child=trusted_issuers._forget_after_fork)
