"""Keys that rotate: algorithms, `kid`, rotation and pruning, other processes following, the JWKS view."""

import base64
import hashlib
import json
import logging
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from freezegun import freeze_time

from ninja_simple_jwt import _core, exceptions
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.jwt import key_retrieval
from ninja_simple_jwt.jwt.key_creation import make_keys
from ninja_simple_jwt.jwt.key_retrieval import key_ring, read_retired_keys
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token, get_access_token_for_user

ALGORITHMS = ["RS256", "ES256", "EdDSA"]


def make_jwt_key(*args: str) -> str:
    out = StringIO()
    call_command("make_jwt_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def header(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def kid_of(public_pem: bytes) -> str:
    return _core.VerifyingKey(public_pem).kid


def access() -> str:
    return encode_token({"user_id": 1}, TokenTypes.ACCESS)[0]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_algorithm_signs_with_its_kid_and_pyjwt_verifies(tmp_path: Path, algorithm: str) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": algorithm}):
        make_jwt_key()
        public = (tmp_path / "jwt-signing.pub").read_bytes()
        token = access()
        assert header(token) == {"alg": algorithm, "typ": "JWT", "kid": kid_of(public)}
        assert jwt.decode(token, public, algorithms=[algorithm])["user_id"] == 1
        assert decode_token(token, TokenTypes.ACCESS)["user_id"] == 1


def test_the_kid_is_the_rfc_7638_thumbprint(tmp_path: Path) -> None:
    for algorithm, members in [("RS256", ("e", "kty", "n")), ("ES256", ("crv", "kty", "x", "y"))]:
        with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": algorithm}):
            make_jwt_key("--force")
        public = (tmp_path / "jwt-signing.pub").read_bytes()
        key = serialization.load_pem_public_key(public)
        cls = jwt.algorithms.RSAAlgorithm if algorithm == "RS256" else jwt.algorithms.ECAlgorithm
        jwk = cls.to_jwk(key, as_dict=True)  # PyJWT's own JWK of the key
        canonical = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).digest()
        assert kid_of(public) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(tmp_path: Path) -> None:
    make_jwt_key()
    first_public = (tmp_path / "jwt-signing.pub").read_bytes()
    old = access()
    out = make_jwt_key("--rotate")
    assert "Rotated to a 2048-bit RSA key pair" in out
    new_public = (tmp_path / "jwt-signing.pub").read_bytes()
    assert new_public != first_public
    new = access()
    assert header(new)["kid"] == kid_of(new_public) != header(old)["kid"]
    assert decode_token(old, TokenTypes.ACCESS)["user_id"] == 1
    assert decode_token(new, TokenTypes.ACCESS)["user_id"] == 1
    retired = read_retired_keys()
    assert [key.pem for key in retired] == [first_public]
    assert retired[0].retired_at is not None
    # The retired keys' file is PEM that any PEM reader understands, with a line of text per key.
    text = (tmp_path / "jwt-signing.previous.pub").read_bytes()
    assert text.startswith(b"Retired: ") and first_public in text
    assert (tmp_path / "jwt-signing.pem").stat().st_mode & 0o777 == 0o600


def test_a_second_rotation_keeps_both_older_keys(tmp_path: Path) -> None:
    make_jwt_key()
    tokens = [access()]
    for _ in range(2):
        make_jwt_key("--rotate")
        tokens.append(access())
    assert len({header(t)["kid"] for t in tokens}) == 3
    for token in tokens:
        decode_token(token, TokenTypes.ACCESS)
    assert len(key_ring.key_set().kids) == 3


def test_retired_keys_are_dropped_once_their_tokens_have_expired(tmp_path: Path) -> None:
    with freeze_time("2026-01-01 12:00:00"):
        make_jwt_key()
        make_jwt_key("--rotate")
        old_kid = key_ring.key_set().kids[1]
    # Still within the refresh-token lifetime (30 days) plus leeway: kept.
    with freeze_time("2026-01-31 12:00:05"):
        assert "Dropped 0" in make_jwt_key("--prune")
        assert old_kid in key_ring.key_set().kids
    with freeze_time("2026-01-31 12:00:11"):
        assert "Dropped 1" in make_jwt_key("--prune")
        assert old_kid not in key_ring.key_set().kids
        assert read_retired_keys() == []
    # --rotate drops them too.
    with freeze_time("2026-03-01"):
        make_jwt_key("--rotate")
    with freeze_time("2026-05-01"):
        make_jwt_key("--rotate")
        assert len(read_retired_keys()) == 1


def test_rotating_with_no_keys_makes_the_first_pair(tmp_path: Path) -> None:
    make_jwt_key("--rotate")
    assert (tmp_path / "jwt-signing.pem").exists()
    assert read_retired_keys() == []


def test_nothing_is_overwritten_without_rotate_or_force(tmp_path: Path) -> None:
    make_jwt_key()
    before = (tmp_path / "jwt-signing.pem").read_bytes(), (tmp_path / "jwt-signing.pub").read_bytes()
    with pytest.raises(CommandError, match="--rotate"):
        make_jwt_key()
    assert ((tmp_path / "jwt-signing.pem").read_bytes(), (tmp_path / "jwt-signing.pub").read_bytes()) == before


def test_inline_keys_cannot_be_rotated_by_the_command(pem_pair: tuple[bytes, bytes]) -> None:
    with (
        override_settings(NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1]}),
        pytest.raises(CommandError, match="JWT_EXTRA_PUBLIC_KEYS"),
    ):
        make_jwt_key("--rotate")


def test_extra_public_keys_verify(tmp_path: Path, pem_pair: tuple[bytes, bytes]) -> None:
    # The old pair, signing inline; then a new pair with the old public key listed as extra.
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1]}):
        old = access()
    make_jwt_key()
    with pytest.raises(exceptions.UnknownKeyIdError):
        decode_token(old, TokenTypes.ACCESS)
    with override_settings(NINJA_SIMPLE_JWT={"JWT_EXTRA_PUBLIC_KEYS": [pem_pair[1].decode()]}):
        assert decode_token(old, TokenTypes.ACCESS)["user_id"] == 1


def test_an_algorithm_migration_mixes_algorithms_in_one_set(tmp_path: Path) -> None:
    make_jwt_key()
    rsa_token = access()
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": "EdDSA"}):
        make_jwt_key("--rotate")
        ed_token = access()
        assert header(ed_token)["alg"] == "EdDSA"
        assert key_ring.key_set().algorithm == "EdDSA"
        for token in (rsa_token, ed_token):
            decode_token(token, TokenTypes.ACCESS)
        # A token claiming the other algorithm for a key is refused, whatever it claims.
        forged = b64({"alg": "RS256", "kid": header(ed_token)["kid"]}) + "." + ed_token.split(".", 1)[1]
        with pytest.raises(exceptions.InvalidAlgorithmError):
            decode_token(forged, TokenTypes.ACCESS)


def test_a_setting_that_disagrees_with_the_current_key_is_logged(tmp_path: Path, caplog: Any) -> None:
    make_jwt_key()
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": "ES256"}), caplog.at_level(logging.WARNING):
        access()
    assert "make_jwt_key --rotate" in caplog.text


def test_other_processes_follow_a_rotation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_jwt_key()
    before = key_ring.key_set()
    old = access()
    # Another host rotates: the files change, this process's key ring is not told.
    with monkeypatch.context() as m:
        m.setattr(key_ring, "clear", lambda: None)
        make_jwt_key("--rotate")
    assert key_ring.key_set() is before  # the reload interval has not passed
    new_public = (tmp_path / "jwt-signing.pub").read_bytes()
    from ninja_simple_jwt.jwt.token_operations import _now

    new_set = _core.KeySet(
        [_core.VerifyingKey(new_public)], _core.SigningKey((tmp_path / "jwt-signing.pem").read_bytes())
    )
    token, _ = _core.encode_token(new_set, {"user_id": 2}, "access", _now(), 300.0)
    # A token from a worker that already signs with the new key: its kid is unknown here, so the keys are
    # read again at once, and both old and new tokens verify.
    assert decode_token(token, TokenTypes.ACCESS)["user_id"] == 2
    assert decode_token(old, TokenTypes.ACCESS)["user_id"] == 1
    assert header(access())["kid"] == kid_of(new_public)


def test_signing_follows_within_the_reload_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(key_retrieval.time, "monotonic", lambda: clock[0])
    make_jwt_key()
    first_kid = header(access())["kid"]
    monkeypatch.setattr(key_ring, "clear", lambda: None)
    make_jwt_key("--rotate")
    clock[0] += 59
    assert header(access())["kid"] == first_kid
    clock[0] += 1
    new_kid = header(access())["kid"]
    assert new_kid != first_kid and new_kid == kid_of((tmp_path / "jwt-signing.pub").read_bytes())


def test_made_up_kids_cannot_make_the_process_hammer_the_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(key_retrieval.time, "monotonic", lambda: clock[0])
    make_jwt_key()
    token = access()
    reads: list[str] = []
    real = key_retrieval.read_stored
    monkeypatch.setattr(key_retrieval, "read_stored", lambda kind: reads.append(kind) or real(kind))
    parts = token.split(".")
    for i in range(50):
        forged = b64({"alg": "RS256", "kid": f"made-up-{i}"}) + "." + ".".join(parts[1:])
        with pytest.raises(exceptions.UnknownKeyIdError):
            decode_token(forged, TokenTypes.ACCESS)
    assert reads.count("public") == 1
    clock[0] += 1.0
    with pytest.raises(exceptions.UnknownKeyIdError):
        decode_token(forged, TokenTypes.ACCESS)
    assert reads.count("public") == 2


def test_a_process_without_keys_does_not_read_the_storage_for_every_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # A service that verifies only trusted issuers' tokens has no keys: a token claiming to be its own
    # is refused, and garbage sent in a loop reads the storage once a second, not once a token.
    clock = [1000.0]
    monkeypatch.setattr(key_retrieval.time, "monotonic", lambda: clock[0])
    reads: list[str] = []
    real = key_retrieval.read_stored
    monkeypatch.setattr(key_retrieval, "read_stored", lambda kind: reads.append(kind) or real(kind))
    for _ in range(20):
        with pytest.raises(exceptions.InvalidKeyError, match="make_jwt_key"):
            decode_token("e30.e30.e30", TokenTypes.ACCESS)
    assert reads.count("public") == 1
    clock[0] += 1.0
    with pytest.raises(exceptions.InvalidKeyError, match="make_jwt_key"):
        decode_token("e30.e30.e30", TokenTypes.ACCESS)
    assert reads.count("public") == 2
    # Keys made by the command in this process are used at once.
    make_jwt_key()
    assert decode_token(access(), TokenTypes.ACCESS)["user_id"] == 1


def test_a_mismatched_pair_is_a_clear_error(tmp_path: Path, pem_pair: tuple[bytes, bytes]) -> None:
    make_jwt_key()
    (tmp_path / "jwt-signing.pub").write_bytes(pem_pair[1])
    with pytest.raises(exceptions.KeyMismatchError) as info:
        access()
    message = str(info.value)
    assert repr(str(tmp_path / "jwt-signing.pem")) in message and repr(str(tmp_path / "jwt-signing.pub")) in message
    assert "make_jwt_key --force" in message


def test_a_half_written_rotation_keeps_the_keys_in_use(
    tmp_path: Path, pem_pair: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(key_retrieval.time, "monotonic", lambda: clock[0])
    make_jwt_key()
    kid = header(access())["kid"]
    (tmp_path / "jwt-signing.pub").write_bytes(pem_pair[1])
    clock[0] += 60
    with caplog.at_level(logging.WARNING):
        assert header(access())["kid"] == kid
    assert "Keeping the JWT keys in use" in caplog.text


@pytest.mark.parametrize("kind", ["private", "public"])
def test_a_key_path_that_is_a_directory_is_an_invalid_key_error(tmp_path: Path, kind: str) -> None:
    make_jwt_key()
    (tmp_path / "keys").mkdir()
    setting = f"JWT_{kind.upper()}_KEY_PATH"
    with (
        override_settings(NINJA_SIMPLE_JWT={setting: str(tmp_path / "keys")}),
        pytest.raises(exceptions.InvalidKeyError, match="is a directory"),
    ):
        access()


def test_a_process_without_the_private_key_verifies(tmp_path: Path) -> None:
    make_jwt_key()
    token = access()
    (tmp_path / "jwt-signing.pem").unlink()
    key_ring.clear()
    assert decode_token(token, TokenTypes.ACCESS)["user_id"] == 1
    with pytest.raises(exceptions.InvalidKeyError, match=r"No JWT private key.*make_jwt_key"):
        access()


def test_non_ascii_tokens_are_decode_errors(keys: Any) -> None:
    for verify in (True, False):
        with pytest.raises(exceptions.DecodeError):
            decode_token("\ud800abc", TokenTypes.ACCESS, verify=verify)
        with pytest.raises(exceptions.DecodeError):
            decode_token("é.é.é", TokenTypes.ACCESS, verify=verify)


@pytest.mark.parametrize(
    "extra",
    [{"kid": 1}, {"kid": None}, {"jku": "https://example.com/keys"}, {"jwk": {"kty": "oct"}}, {"x5u": "https://x"}],
)
def test_headers_that_point_elsewhere_are_decode_errors(keys: Any, extra: dict[str, Any]) -> None:
    token = access()
    forged = b64({"alg": "RS256", **extra}) + "." + token.split(".", 1)[1]
    with pytest.raises(exceptions.DecodeError):
        decode_token(forged, TokenTypes.ACCESS)


# --- the JWKS view and HTTP ------------------------------------------------------------------------------


def test_jwks_lists_every_verifying_key_current_first(client: Client, tmp_path: Path) -> None:
    make_jwt_key()
    with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": "ES256"}):
        make_jwt_key("--rotate")
        response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    keys = response.json()["keys"]
    assert [key["kty"] for key in keys] == ["EC", "RSA"]
    assert keys[0]["kid"] == kid_of((tmp_path / "jwt-signing.pub").read_bytes())
    assert set(keys[0]) == {"kty", "kid", "use", "alg", "crv", "x", "y"}
    assert set(keys[1]) == {"kty", "kid", "use", "alg", "n", "e"}
    for key in keys:
        assert key["use"] == "sig"
        jwk_set = jwt.PyJWKSet.from_dict({"keys": [key]})
        assert jwk_set.keys[0].key_id == key["kid"]
    assert client.post("/.well-known/jwks.json").status_code == 405
    with override_settings(NINJA_SIMPLE_JWT={"JWKS_MAX_AGE": timedelta(seconds=30)}):
        assert "max-age=30" in client.get("/.well-known/jwks.json")["Cache-Control"]


def test_pyjwt_verifies_with_the_jwks(client: Client) -> None:
    for algorithm in ALGORITHMS:
        with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": algorithm}):
            make_jwt_key("--rotate")
            token = access()
            jwks = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())
            key = next(k for k in jwks.keys if k.key_id == header(token)["kid"])
            assert jwt.decode(token, key, algorithms=[algorithm])["user_id"] == 1


def test_unusable_keys_are_a_503_everywhere(client: Client, caplog: Any) -> None:
    # No keys at all: every route that needs them says so with a 503 and logs what to run.
    token = "e30.e30.e30"
    with caplog.at_level(logging.ERROR):
        jwks = client.get("/.well-known/jwks.json")
        protected = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    for response in (jwks, protected):
        assert response.status_code == 503
        assert response.json() == {"detail": "Authentication is unavailable: the server's JWT keys are not usable."}
        assert response["Retry-After"] == "30"
    assert "make_jwt_key" in caplog.text


@pytest.mark.django_db
def test_sign_in_with_unusable_keys_is_a_503(client: Client, user: Any) -> None:
    response = client.post(
        "/api/auth/mobile/sign-in",
        {"username": "alice", "password": "correct horse battery staple"},
        content_type="application/json",
    )
    assert response.status_code == 503
    assert "token" not in response.content.decode().lower()


# --- the 0.8.1 settings -----------------------------------------------------------------------------------


class CustomTokenUser(TokenUser):
    @property
    def is_premium(self) -> bool:
        return bool(self.claims.get("premium"))


@pytest.mark.django_db
@pytest.mark.usefixtures("keys")
def test_use_stateless_auth_false_loads_the_user(client: Client, user: Any) -> None:
    token, _ = get_access_token_for_user(user)
    with override_settings(NINJA_SIMPLE_JWT={"USE_STATELESS_AUTH": False}):
        body = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["user_type"] == "User"
    body = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["user_type"] == "TokenUser"


@pytest.mark.django_db
@pytest.mark.usefixtures("keys")
def test_token_user_cls_names_the_stateless_user_class(client: Client, user: Any) -> None:
    token, _ = get_access_token_for_user(user)
    with override_settings(NINJA_SIMPLE_JWT={"TOKEN_USER_CLS": "tests.test_key_set.CustomTokenUser"}):
        body = client.get("/api/protected/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["user_type"] == "CustomTokenUser"
    assert body["username"] == "alice"


def test_make_keys_follows_jwt_algorithm() -> None:
    for algorithm in ALGORITHMS:
        with override_settings(NINJA_SIMPLE_JWT={"JWT_ALGORITHM": algorithm}):
            private, public = make_keys()
            assert _core.SigningKey(private).algorithm == algorithm
            assert _core.SigningKey(private).kid == kid_of(public)


@pytest.mark.parametrize("vanishing", ["private", "previous"])
def test_a_file_missing_for_a_moment_loses_no_key(monkeypatch: pytest.MonkeyPatch, vanishing: str) -> None:
    # A storage that deletes before it saves leaves a moment with no file; a process reading then keeps
    # its signing key and its retired keys (found by the rotation load test).
    with override_settings(NINJA_SIMPLE_JWT={"JWT_KEY_RELOAD_INTERVAL": 0}):
        make_jwt_key()
        first = access()
        make_jwt_key("--rotate")
        key_ring.key_set()
        real = key_retrieval.read_stored
        misses = [1]

        def read_stored(kind: str) -> bytes | None:
            if kind == vanishing and misses:
                misses.pop()
                return None
            return real(kind)  # type: ignore[arg-type]

        monkeypatch.setattr(key_retrieval, "read_stored", read_stored)
        key_set = key_ring.key_set()  # this read meets the missing file
        assert misses == []
        assert key_set.can_sign and len(key_set.kids) == 2
        assert decode_token(first, TokenTypes.ACCESS)["user_id"] == 1
        # A file that stays gone is believed: the process no longer signs.
        if vanishing == "private":
            monkeypatch.setattr(key_retrieval, "read_stored", lambda kind: None if kind == "private" else real(kind))
            with pytest.raises(exceptions.InvalidKeyError, match="No JWT private key"):
                access()


def test_rotating_on_local_disk_never_removes_a_key_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from ninja_simple_jwt.jwt.key_store import LocalDiskKeyStorage

    make_jwt_key()

    def refuse(self: Any, name: str) -> None:
        raise AssertionError(f"{name} deleted: readers would find no key")

    monkeypatch.setattr(LocalDiskKeyStorage, "delete", refuse)
    make_jwt_key("--rotate")
    make_jwt_key("--force")
