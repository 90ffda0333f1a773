import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches

from ninja_simple_jwt._core import generate_key_pair
from ninja_simple_jwt.jwt.key_retrieval import InMemoryJwtKeyPair
from ninja_simple_jwt.settings import ninja_simple_jwt_settings

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def pem_pair() -> tuple[bytes, bytes]:
    """One key pair for the session: (PKCS#1 private PEM, SPKI public PEM)."""
    return generate_key_pair()


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The default key storage resolves paths against the working directory: give each test its own,
    # and start each test with no key or setting cached.
    monkeypatch.chdir(tmp_path)
    # Sign-in throttling counts failures in the cache: each test starts with none.
    caches["default"].clear()
    InMemoryJwtKeyPair.clear()
    ninja_simple_jwt_settings.reload()
    yield
    InMemoryJwtKeyPair.clear()
    ninja_simple_jwt_settings.reload()


@pytest.fixture
def keys(tmp_path: Path, pem_pair: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
    """The session's key pair, written where the default settings look for it."""
    (tmp_path / "jwt-signing.pem").write_bytes(pem_pair[0])
    (tmp_path / "jwt-signing.pub").write_bytes(pem_pair[1])
    return pem_pair


@pytest.fixture
def user(db: Any, django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="alice", password=PASSWORD, email="alice@example.com")


def b64(data: bytes) -> str:
    """base64url without padding, as JWTs and JWKs write bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def file_mode(path: str | Path) -> int:
    return os.stat(path).st_mode & 0o777


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The sessions suites run under settings of their own, with the app installed (see the Makefile);
    # the rest of the suite runs without it: stateless, as the original.
    from django.conf import settings

    if collection_path == Path(__file__).parent / "sessions":
        return "ninja_simple_jwt.sessions" not in settings.INSTALLED_APPS
    return None
