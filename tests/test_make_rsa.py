"""`python manage.py make_rsa` and `make_and_save_key_pair`."""

from io import StringIO
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.test import override_settings

from ninja_simple_jwt import exceptions
from ninja_simple_jwt.jwt.key_creation import make_and_save_key_pair
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token
from tests.conftest import file_mode


def make_rsa(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("make_rsa", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_the_pair_where_the_readme_says(tmp_path: Path) -> None:
    out, _ = make_rsa()
    private = (tmp_path / "jwt-signing.pem").read_bytes()
    public = (tmp_path / "jwt-signing.pub").read_bytes()
    assert private.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    assert public.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    key = serialization.load_pem_private_key(private, None)
    assert key.key_size == 2048  # type: ignore[union-attr]
    assert (
        key.public_key().public_bytes(  # the two files are one pair
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == public
    )
    assert file_mode(tmp_path / "jwt-signing.pem") == 0o600
    assert str(tmp_path / "jwt-signing.pem") in out and str(tmp_path / "jwt-signing.pub") in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    make_rsa()
    before = (tmp_path / "jwt-signing.pem").read_bytes(), (tmp_path / "jwt-signing.pub").read_bytes()
    with pytest.raises(CommandError, match="--force"):
        make_rsa()
    assert ((tmp_path / "jwt-signing.pem").read_bytes(), (tmp_path / "jwt-signing.pub").read_bytes()) == before
    # One half present is enough to refuse: it may be the half still in use.
    (tmp_path / "jwt-signing.pem").unlink()
    with pytest.raises(CommandError):
        make_rsa()
    assert (tmp_path / "jwt-signing.pub").read_bytes() == before[1]


def test_force_replaces_and_old_tokens_stop_at_once(tmp_path: Path) -> None:
    make_rsa()
    old_token, _ = encode_token({}, TokenTypes.ACCESS)
    decode_token(old_token, TokenTypes.ACCESS)
    old_public = (tmp_path / "jwt-signing.pub").read_bytes()
    make_rsa("--force")
    assert (tmp_path / "jwt-signing.pub").read_bytes() != old_public
    with pytest.raises(exceptions.UnknownKeyIdError):
        decode_token(old_token, TokenTypes.ACCESS)
    new_token, _ = encode_token({}, TokenTypes.ACCESS)
    jwt.decode(new_token, (tmp_path / "jwt-signing.pub").read_bytes(), algorithms=["RS256"])


def test_bits_option(tmp_path: Path) -> None:
    out, _ = make_rsa("--bits", "3072")
    assert "3072-bit" in out
    key = serialization.load_pem_private_key((tmp_path / "jwt-signing.pem").read_bytes(), None)
    assert key.key_size == 3072  # type: ignore[union-attr]
    with pytest.raises(CommandError):
        make_rsa("--bits", "1024", "--force")


def test_absolute_paths_and_new_directories(tmp_path: Path) -> None:
    target = tmp_path / "secrets" / "deep"
    config = {"JWT_PRIVATE_KEY_PATH": str(target / "k.pem"), "JWT_PUBLIC_KEY_PATH": str(target / "k.pub")}
    with override_settings(NINJA_SIMPLE_JWT=config):
        out, _ = make_rsa()
        decode_token(encode_token({}, TokenTypes.ACCESS)[0], TokenTypes.ACCESS)
    assert str(target / "k.pem") in out
    assert file_mode(target / "k.pem") == 0o600


def test_warns_when_inline_keys_win(tmp_path: Path) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----"}):
        _, err = make_rsa()
    assert "JWT_PRIVATE_KEY or JWT_PUBLIC_KEY is set" in err


def test_function_keeps_the_original_overwrite_semantics(tmp_path: Path) -> None:
    # Test suites written against the original call make_and_save_key_pair() in every setUp.
    assert make_and_save_key_pair() == ("jwt-signing.pem", "jwt-signing.pub")
    first = (tmp_path / "jwt-signing.pem").read_bytes()
    make_and_save_key_pair()
    assert (tmp_path / "jwt-signing.pem").read_bytes() != first
    with pytest.raises(exceptions.KeyPairExistsError):
        make_and_save_key_pair(overwrite=False)


def test_storage_that_renames_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from django.core.files.storage import FileSystemStorage

    from tests import helpers

    class Renaming(FileSystemStorage):
        def _save(self, name: str, content: Any) -> str:
            return super()._save("renamed-" + name, content)

    monkeypatch.setattr(helpers, "memory_storage", Renaming(location=tmp_path / "store"))
    config = override_settings(NINJA_SIMPLE_JWT={"JWT_KEY_STORAGE": "tests.helpers.memory_storage"})
    with config, pytest.raises(exceptions.InvalidKeyError, match="keep the given names"):
        make_and_save_key_pair()


def test_with_compatible_with_0_8_it_is_a_deprecated_alias_of_make_jwt_key(
    tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.NINJA_SIMPLE_JWT = {"COMPATIBLE_WITH": "0.8", "JWT_ALGORITHM": "EdDSA"}
    with pytest.warns(DeprecationWarning, match="make_jwt_key"):
        make_rsa()
    # 0.8's alias calls make_jwt_key with no arguments, so its output goes to the process's stdout.
    assert "Ed25519" in capsys.readouterr().out  # a key for JWT_ALGORITHM
    assert (tmp_path / "jwt-signing.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    with pytest.warns(DeprecationWarning), pytest.raises(CommandError):
        make_rsa()  # and it keeps the pair there, as make_jwt_key does
    with pytest.warns(DeprecationWarning):
        make_rsa("--rotate")  # the flags pass on


def test_before_0_8_it_makes_an_rsa_key_whatever_the_algorithm(tmp_path: Path, settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {"COMPATIBLE_WITH": "0.7", "JWT_ALGORITHM": "EdDSA"}
    make_rsa()
    assert (tmp_path / "jwt-signing.pem").read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
