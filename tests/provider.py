"""A stand-in identity provider on loopback for the trusted-issuer tests and `bench/trusted.py`.

It publishes a discovery document and a JWK Set, counts the requests for each, and can be told to answer
badly (slowly, hugely, with junk, with a redirect). Its tokens are signed by PyJWT, a library nobody here
wrote, with keys made by the core.
"""

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

from ninja_simple_jwt._core import VerifyingKey, generate_key_pair


@dataclass
class ProviderKey:
    kid: str
    private_pem: bytes
    jwk: dict[str, Any]


def provider_key(algorithm: str = "RS256") -> ProviderKey:
    private, public = generate_key_pair(algorithm)
    kid = "k-" + uuid.uuid4().hex[:8]
    return ProviderKey(kid, private, {**VerifyingKey(public).jwk(), "kid": kid})


@dataclass
class Provider:
    url: str
    keys: list[ProviderKey]
    audience: str = "orders-api"
    issuer: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    # How the next answers to /jwks go: None (the JWK Set), or one of the bad answers in `_answer`.
    mode: str | None = None
    delay: float = 0.0
    cache_control: str = ""
    discovery_issuer: str | None = None  # None: the provider's own issuer
    lock: threading.Lock = field(default_factory=threading.Lock)
    # While cleared, answers to /jwks wait (up to a minute) for it to be set: a test holds a fetch in
    # flight for exactly as long as it needs, rather than for a delay it hopes is long enough.
    answering: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.answering.set()

    def token(self, key: ProviderKey | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """An access token of the provider, signed with `key` (default: the first)."""
        key = key or self.keys[0]
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": self.audience, "sub": "user-42", "iat": now, "exp": now + 300}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        algorithm = key.jwk.get("alg", "RS256")
        return jwt.encode(payload, key.private_pem, algorithm, {"kid": key.kid, **(headers or {})})

    def jwks(self) -> bytes:
        return json.dumps({"keys": [k.jwk for k in self.keys]}).encode()

    def count(self, path: str) -> int:
        with self.lock:
            return self.counts.get(path, 0)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def handle(self) -> None:
            # A client that gives up (its deadline, its size bound) ends the answer, as it should.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with provider.lock:
                provider.counts[self.path] = provider.counts.get(self.path, 0) + 1
            if self.path == "/.well-known/openid-configuration":
                issuer = provider.discovery_issuer if provider.discovery_issuer is not None else provider.issuer
                document = {"issuer": issuer, "jwks_uri": provider.url + "/jwks"}
                self._send(200, json.dumps(document).encode())
            elif self.path == "/jwks":
                provider.answering.wait(60)
                time.sleep(provider.delay)
                self._answer()
            else:
                self._send(404, b"{}")

        def _answer(self) -> None:
            mode = provider.mode
            if mode is None:
                headers = {"Cache-Control": provider.cache_control} if provider.cache_control else {}
                self._send(200, provider.jwks(), headers)
            elif mode == "not-json":
                self._send(200, b"<html>oops</html>")
            elif mode == "junk":
                self._send(200, json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}, "x", None]}).encode())
            elif mode == "huge":
                self._send(200, b'{"keys": [' + b" " * (2 * 1024 * 1024) + b"]}")
            elif mode == "huge-unannounced":
                self.send_response(200)
                self.end_headers()
                for _ in range(64):
                    self.wfile.write(b" " * 65536)
            elif mode == "trickle":
                self.send_response(200)
                self.end_headers()
                for _ in range(200):  # 10 s: far longer than any JWT_JWKS_TIMEOUT of the tests
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            elif mode == "redirect-elsewhere":
                self._send(302, b"", {"Location": provider.url.replace("127.0.0.1", "127.0.0.2") + "/jwks"})
            elif mode == "error":
                self._send(500, b"{}")

    return Handler


@contextmanager
def provider(keys: int = 1, issuer_suffix: str = "") -> Iterator[Provider]:
    """A provider on a free loopback port; its issuer is its URL plus `issuer_suffix` (Auth0 ends it in '/')."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    p = Provider(url, [provider_key() for _ in range(keys)])
    p.issuer = url + issuer_suffix
    server.RequestHandlerClass = _handler(p)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield p
    finally:
        server.shutdown()
        server.server_close()
