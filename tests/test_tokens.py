"""Token operations: claims, time rules, formats, and agreement with PyJWT in both directions."""

import hashlib
import hmac
import json
import os
import time
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from typing import Any

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from ninja_simple_jwt import exceptions
from ninja_simple_jwt._core import SigningKey, VerifyingKey, decode_unverified
from ninja_simple_jwt.jwt.json_encode import TokenUserEncoder
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    decode_token,
    encode_token,
    get_access_token_for_user,
    get_access_token_from_refresh_token,
    get_refresh_token_for_user,
    get_token_payload_for_user,
)
from tests.conftest import b64

pytestmark = pytest.mark.usefixtures("keys")

NOW = "2024-01-11 12:00:01"
NOW_TS = 1704974401


def pyjwt_token(private_pem: bytes, claims: dict[str, Any], algorithm: str = "RS256") -> str:
    return jwt.encode(claims, private_pem, algorithm=algorithm)


def full_claims(**extra: Any) -> dict[str, Any]:
    claims = {"jti": uuid.uuid4().hex, "exp": NOW_TS + 60, "iat": NOW_TS, "token_type": "access"}
    claims.update(extra)
    return claims


class TestEncode:
    def test_registered_claims_follow_djangos_clock(self) -> None:
        with freeze_time(NOW):
            _token, data = encode_token({"name": "bebe"}, TokenTypes.REFRESH)
        assert data["iat"] == NOW_TS
        assert data["exp"] == NOW_TS + 30 * 86400
        assert data["token_type"] is TokenTypes.REFRESH
        assert data["name"] == "bebe"
        assert len(data["jti"]) == 32 and uuid.UUID(data["jti"]).version == 4

    def test_access_lifetime_and_time_machine(self) -> None:
        with time_machine.travel(datetime(2024, 1, 11, 12, 0, 1, 999_999, tzinfo=dt_timezone.utc), tick=False):
            _, data = encode_token({}, TokenTypes.ACCESS)
        # Truncated to whole seconds, as int(datetime.timestamp()).
        assert (data["iat"], data["exp"]) == (NOW_TS, NOW_TS + 15 * 60)

    def test_naive_clock_without_use_tz(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # With USE_TZ = False Django's clock is naive local time; like datetime.timestamp(), read it as local.
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()
        try:
            with override_settings(USE_TZ=False):
                with freeze_time(NOW):
                    token, data = encode_token({}, TokenTypes.ACCESS)
                    assert data["iat"] == int(timezone.now().timestamp())
                    assert decode_token(token, TokenTypes.ACCESS)["iat"] == data["iat"]
                _, data = encode_token({}, TokenTypes.ACCESS)
                assert abs(data["iat"] - time.time()) < 60
        finally:
            monkeypatch.delenv("TZ")
            time.tzset()

    def test_reserved_claims_override_the_payload(self) -> None:
        _, data = encode_token({"exp": 1, "jti": "mine", "token_type": "refresh"}, TokenTypes.ACCESS)
        assert data["exp"] != 1 and data["jti"] != "mine" and data["token_type"] == "access"

    def test_each_token_gets_a_new_jti(self) -> None:
        assert encode_token({}, TokenTypes.ACCESS)[1]["jti"] != encode_token({}, TokenTypes.ACCESS)[1]["jti"]

    def test_a_forked_child_gets_jtis_of_its_own(self) -> None:
        # A gunicorn worker is a fork of a parent that may have signed: whatever the child inherits (random
        # generator state included), its next jti must not be its parent's.
        encode_token({}, TokenTypes.ACCESS)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.write(write, encode_token({}, TokenTypes.ACCESS)[1]["jti"].encode())
            finally:
                os._exit(0)
        os.close(write)
        parent = encode_token({}, TokenTypes.ACCESS)[1]["jti"]
        os.waitpid(pid, 0)
        with os.fdopen(read) as pipe:
            child = pipe.read()
        assert len(child) == 32 and child != parent

    def test_pyjwt_verifies_our_tokens(self, keys: tuple[bytes, bytes]) -> None:
        token, data = encode_token({"user_id": 7, "nested": {"a": [1, 2.5, None, True]}}, TokenTypes.ACCESS)
        assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": VerifyingKey(keys[1]).kid}
        decoded = jwt.decode(token, keys[1], algorithms=["RS256"])
        assert decoded == {**data, "token_type": "access"}

    def test_additional_headers_are_kept_but_alg_and_kid_are_the_keys(self, keys: tuple[bytes, bytes]) -> None:
        token, _ = encode_token({}, TokenTypes.ACCESS, cty="demo")
        kid = VerifyingKey(keys[1]).kid
        assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": kid, "cty": "demo"}
        jwt.decode(token, keys[1], algorithms=["RS256"])
        # What would change the key, or make the token one that every verifier refuses, is an error.
        for header in ("alg", "kid", "crit", "jku", "jwk", "x5u", "x5c"):
            with pytest.raises(exceptions.EncodeError, match=header):
                encode_token({}, TokenTypes.ACCESS, **{header: ["exp"]})

    def test_values_json_cannot_hold_go_through_the_encoder(self) -> None:
        moment = datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=dt_timezone.utc)
        ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
        payload = {"at": moment, "id": ident, "price": Decimal("1.50"), "span": timedelta(hours=1)}
        token, data = encode_token(payload, TokenTypes.ACCESS)
        claims = decode_token(token, TokenTypes.ACCESS)
        expected = json.loads(json.dumps(payload, cls=TokenUserEncoder))
        assert {k: claims[k] for k in payload} == expected
        assert claims["at"] == "2026-11-29T12:00:00.123Z" == DjangoJSONEncoder().default(moment)
        assert data["at"] is moment  # the returned claims keep the Python values

    def test_what_json_cannot_hold_is_an_encode_error(self) -> None:
        loop: dict[str, Any] = {}
        loop["self"] = loop
        deep: list[Any] = []
        for _ in range(100):
            deep = [deep]
        for payload, message in [
            ({"x": object()}, "object is not JSON serializable"),
            ({"x": {1, 2}}, "set is not JSON serializable"),
            ({"x": float("nan")}, "NaN"),
            ({"x": float("inf")}, "NaN or infinite"),
            ({"x": 2**64}, "64 bits"),
            ({"x": -(2**63) - 1}, "64 bits"),
            ({"x": "\ud800"}, "surrogate"),
            ({"\ud800": 1}, "surrogate"),
            ({(1, 2): 1}, "keys must be"),
            (loop, "nest too deeply"),
            ({"x": deep}, "nest too deeply"),
        ]:
            with pytest.raises(exceptions.EncodeError, match=message):
                encode_token(payload, TokenTypes.ACCESS)
        assert decode_token(encode_token({"x": 2**64 - 1}, TokenTypes.ACCESS)[0], TokenTypes.ACCESS)["x"] == 2**64 - 1

    def test_a_json_encoder_argument_is_used(self) -> None:
        class Upper(json.JSONEncoder):
            def default(self, o: Any) -> Any:
                return str(o).upper()

        token, _ = encode_token({"x": uuid.UUID(int=10)}, TokenTypes.ACCESS, json_encoder=Upper)
        assert decode_unverified(token)["x"] == "00000000-0000-0000-0000-00000000000A"


class TestDecode:
    def test_round_trip(self) -> None:
        with freeze_time(NOW):
            token, _ = encode_token({"name": "bebe"}, TokenTypes.ACCESS)
            claims = decode_token(token, token_type=TokenTypes.ACCESS)
        assert claims["exp"] == NOW_TS + 900 and claims["iat"] == NOW_TS
        assert claims["token_type"] == TokenTypes.ACCESS
        assert claims["name"] == "bebe"

    def test_accepts_bytes(self) -> None:
        token, _ = encode_token({}, TokenTypes.ACCESS)
        assert decode_token(token.encode(), TokenTypes.ACCESS)["token_type"] == "access"

    def test_tokens_pyjwt_signs_are_accepted(self, keys: tuple[bytes, bytes]) -> None:
        with freeze_time(NOW):
            token = pyjwt_token(keys[0], full_claims(user_id=3))
            assert decode_token(token, TokenTypes.ACCESS)["user_id"] == 3

    def test_wrong_token_type(self) -> None:
        token, _ = encode_token({}, TokenTypes.REFRESH)
        with pytest.raises(exceptions.InvalidTokenTypeError) as info:
            decode_token(token, TokenTypes.ACCESS)
        assert isinstance(info.value, jwt.InvalidTokenError)

    def test_garbage_is_a_decode_error(self) -> None:
        for token in ["not.real.token", "", "a.b", "a.b.c.d", "é.é.é", b"\xff.\xff.\xff"]:
            with pytest.raises(jwt.DecodeError):
                decode_token(token, TokenTypes.REFRESH)  # type: ignore[arg-type]

    def test_expiry_with_pyjwt_rules_and_leeway(self) -> None:
        with freeze_time(NOW):
            token, data = encode_token({}, TokenTypes.ACCESS)
        exp = datetime.fromtimestamp(data["exp"], dt_timezone.utc)
        with freeze_time(exp + timedelta(seconds=9)):
            decode_token(token, TokenTypes.ACCESS)  # inside the default 10 s leeway
        with freeze_time(exp + timedelta(seconds=10)), pytest.raises(jwt.ExpiredSignatureError):
            decode_token(token, TokenTypes.ACCESS)
        with override_settings(NINJA_SIMPLE_JWT={"JWT_LEEWAY": 0}):
            with freeze_time(exp - timedelta(microseconds=1)):
                decode_token(token, TokenTypes.ACCESS)
            with freeze_time(exp), pytest.raises(exceptions.ExpiredSignatureError):
                decode_token(token, TokenTypes.ACCESS)
        with freeze_time("2030-01-01"), pytest.raises(exceptions.ExpiredSignatureError):
            decode_token(token, TokenTypes.ACCESS)

    def test_tokens_from_the_future_are_immature(self, keys: tuple[bytes, bytes]) -> None:
        with freeze_time(NOW):
            early = pyjwt_token(keys[0], full_claims(iat=NOW_TS + 11, exp=NOW_TS + 900))
            with pytest.raises(jwt.ImmatureSignatureError):
                decode_token(early, TokenTypes.ACCESS)
            not_before = pyjwt_token(keys[0], full_claims(nbf=NOW_TS + 60))
            with pytest.raises(exceptions.ImmatureSignatureError):
                decode_token(not_before, TokenTypes.ACCESS)

    @pytest.mark.parametrize("claim", ["exp", "jti", "token_type"])
    def test_required_claims(self, keys: tuple[bytes, bytes], claim: str) -> None:
        claims = full_claims()
        del claims[claim]
        with freeze_time(NOW), pytest.raises(jwt.MissingRequiredClaimError) as info:
            decode_token(pyjwt_token(keys[0], claims), TokenTypes.ACCESS)
        assert info.value.claim == claim
        assert isinstance(info.value, exceptions.InvalidTokenError)

    def test_malformed_time_claims(self, keys: tuple[bytes, bytes]) -> None:
        with freeze_time(NOW):
            with pytest.raises(exceptions.DecodeError):
                decode_token(pyjwt_token(keys[0], full_claims(exp="tomorrow")), TokenTypes.ACCESS)
            with pytest.raises(exceptions.InvalidIssuedAtError):
                decode_token(pyjwt_token(keys[0], full_claims(iat="now")), TokenTypes.ACCESS)

    @pytest.mark.parametrize(
        ("claim", "bad"), [("exp", NOW_TS - 60), ("jti", ""), ("token_type", "refresh"), ("iat", NOW_TS + 3600)]
    )
    def test_a_claim_named_twice_counts_once_the_last_for_the_checks_as_for_the_claims(
        self, keys: tuple[bytes, bytes], claim: str, bad: Any
    ) -> None:
        # json.loads and PyJWT read the last; the checks read the very dict the caller gets, so they cannot
        # disagree with it on a claim.
        claims = full_claims()

        def signed(first: Any, last: Any) -> str:
            body = json.dumps({**claims, claim: first})[:-1] + f", {json.dumps(claim)}: {json.dumps(last)}}}"
            return jwt.api_jws.encode(body.encode(), keys[0], algorithm="RS256")

        with freeze_time(NOW):
            assert decode_token(signed(bad, claims[claim]), TokenTypes.ACCESS) == claims
            with pytest.raises(exceptions.InvalidTokenError):
                decode_token(signed(claims[claim], bad), TokenTypes.ACCESS)

    def test_a_header_that_names_a_field_twice_is_refused(self, keys: tuple[bytes, bytes]) -> None:
        key = serialization.load_pem_private_key(keys[0], password=None)
        assert isinstance(key, rsa.RSAPrivateKey)

        def signed(header: bytes) -> str:
            signing_input = f"{b64(header)}.{b64(json.dumps(full_claims()).encode())}"
            signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
            return f"{signing_input}.{b64(signature)}"

        with freeze_time(NOW):
            assert decode_token(signed(b'{"alg": "RS256"}'), TokenTypes.ACCESS)["token_type"] == "access"
            with pytest.raises(exceptions.DecodeError, match="names a field twice"):
                decode_token(signed(b'{"alg": "RS256", "alg": "RS256"}'), TokenTypes.ACCESS)

    def test_another_key_fails_the_signature(self) -> None:
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = other.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with freeze_time(NOW), pytest.raises(jwt.InvalidSignatureError):
            decode_token(pyjwt_token(pem, full_claims()), TokenTypes.ACCESS)

    def test_tampered_payload_fails_the_signature(self) -> None:
        token, data = encode_token({"user_id": 1}, TokenTypes.ACCESS)
        header, _, signature = token.split(".")
        forged = b64(json.dumps({**data, "user_id": 2, "token_type": "access"}).encode())
        with pytest.raises(exceptions.InvalidSignatureError):
            decode_token(f"{header}.{forged}.{signature}", TokenTypes.ACCESS)

    @pytest.mark.parametrize("algorithm", ["RS512", "PS256", "RS384"])
    def test_other_rsa_algorithms_are_refused(self, keys: tuple[bytes, bytes], algorithm: str) -> None:
        with freeze_time(NOW), pytest.raises(jwt.InvalidAlgorithmError):
            decode_token(pyjwt_token(keys[0], full_claims(), algorithm), TokenTypes.ACCESS)

    def test_alg_none_is_refused(self) -> None:
        header = b64(b'{"alg":"none","typ":"JWT"}')
        unsigned = f"{header}.{b64(json.dumps(full_claims()).encode())}."
        with freeze_time(NOW), pytest.raises(exceptions.InvalidAlgorithmError):
            decode_token(unsigned, TokenTypes.ACCESS)

    def test_hs256_with_the_public_key_as_secret_is_refused(self, keys: tuple[bytes, bytes]) -> None:
        # The classic algorithm confusion attack: an HMAC keyed with the (public) RSA key.
        header = b64(b'{"alg":"HS256","typ":"JWT"}')
        signing_input = f"{header}.{b64(json.dumps(full_claims()).encode())}"
        mac = hmac.new(keys[1], signing_input.encode(), hashlib.sha256).digest()
        with freeze_time(NOW), pytest.raises(exceptions.InvalidAlgorithmError):
            decode_token(f"{signing_input}.{b64(mac)}", TokenTypes.ACCESS)

    def test_verify_false_returns_the_claims_unchecked(self) -> None:
        with freeze_time("2000-01-01"):
            token, data = encode_token({"name": "old"}, TokenTypes.REFRESH)
        claims = decode_token(token, TokenTypes.ACCESS, verify=False)
        assert claims["name"] == "old" and claims["jti"] == data["jti"]

    def test_messages_never_contain_the_token(self) -> None:
        token, _ = encode_token({"secret": "s3cr3t"}, TokenTypes.REFRESH)
        for bad in [token, token[:-4] + "AAAA", token + ".x"]:
            with pytest.raises(exceptions.InvalidTokenError) as info:
                decode_token(bad, TokenTypes.ACCESS)
            assert token.split(".")[1][:20] not in str(info.value) and "s3cr3t" not in str(info.value)


class TestUsers:
    def test_default_claims(self, user: Any) -> None:
        _, data = get_access_token_for_user(user)
        assert {k: data[k] for k in ("user_id", "username", "last_login")} == {
            "user_id": user.id,
            "username": "alice",
            "last_login": None,
        }

    def test_callables_and_custom_attributes(self, user: Any) -> None:
        claim_map = {"uid": "pk", "mail": "email", "initial": lambda u: u.username[0].upper()}
        with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": claim_map}):
            assert get_token_payload_for_user(user) == {"uid": user.pk, "mail": "alice@example.com", "initial": "A"}

    def test_a_missing_attribute_is_named(self, user: Any) -> None:
        missing = override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"x": "shoe_size"}})
        with missing, pytest.raises(AttributeError, match="claim x names the attribute shoe_size"):
            get_token_payload_for_user(user)
        wrong_kind = override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"x": 3}})
        with wrong_kind, pytest.raises(ImproperlyConfigured, match="attribute name or a callable"):
            get_token_payload_for_user(user)

    def test_last_login_is_written_as_django_writes_it(self, user: Any) -> None:
        user.last_login = datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=dt_timezone.utc)
        token, _ = get_refresh_token_for_user(user)
        assert decode_token(token, TokenTypes.REFRESH)["last_login"] == "2026-11-29T12:00:00.123Z"

    def test_encoder_setting_takes_effect_at_once(self, user: Any) -> None:
        user.last_login = datetime(2026, 11, 29, tzinfo=dt_timezone.utc)
        with override_settings(NINJA_SIMPLE_JWT={"TOKEN_USER_ENCODER_CLS": "tests.helpers.EpochEncoder"}):
            token, _ = get_access_token_for_user(user)
            assert decode_unverified(token)["last_login"] == 1795910400
        token, _ = get_access_token_for_user(user)
        assert decode_unverified(token)["last_login"] == "2026-11-29T00:00:00Z"

    def test_refresh_reads_the_user_again(self, user: Any) -> None:
        refresh, _ = get_refresh_token_for_user(user)
        user.username = "alice2"
        user.save()
        _access, data = get_access_token_from_refresh_token(refresh)
        assert data["username"] == "alice2" and data["token_type"] == "access"
        user.is_active = False
        user.save()
        with pytest.raises(exceptions.InvalidTokenError, match="inactive"):
            get_access_token_from_refresh_token(refresh)
        user.delete()
        with pytest.raises(exceptions.InvalidTokenError, match="does not exist"):
            get_access_token_from_refresh_token(refresh)

    def test_refresh_without_an_id_claim_copies_the_claims(self, user: Any) -> None:
        with override_settings(NINJA_SIMPLE_JWT={"TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {"name": "username"}}):
            refresh, _ = get_refresh_token_for_user(user)
            user.delete()
            _, data = get_access_token_from_refresh_token(refresh)
        assert data["name"] == "alice"

    def test_an_access_token_cannot_refresh(self, user: Any) -> None:
        access, _ = get_access_token_for_user(user)
        with pytest.raises(exceptions.InvalidTokenTypeError):
            get_access_token_from_refresh_token(access)


class TestCoreKeys:
    def test_all_accepted_key_formats(self, keys: tuple[bytes, bytes]) -> None:
        private = serialization.load_pem_private_key(keys[0], None)
        assert keys[0].startswith(b"-----BEGIN RSA PRIVATE KEY-----")
        assert keys[1].startswith(b"-----BEGIN PUBLIC KEY-----")
        pkcs8 = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        pkcs1_public = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        assert SigningKey(pkcs8).algorithm == "RS256"
        assert SigningKey(pkcs8).kid == VerifyingKey(pkcs1_public).kid == VerifyingKey(keys[1]).kid

    @pytest.mark.parametrize(
        ("pem", "message"),
        [
            (b"", "not a PEM"),
            (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "expected a private key"),
        ],
    )
    def test_bad_private_keys(self, pem: bytes, message: str) -> None:
        with pytest.raises(exceptions.InvalidKeyError, match=message) as info:
            SigningKey(pem)
        assert isinstance(info.value, jwt.InvalidKeyError)

    def test_small_keys_are_refused(self) -> None:
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        public = small.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with pytest.raises(exceptions.InvalidKeyError, match="1024 bits"):
            VerifyingKey(public)


def test_exception_hierarchy_matches_pyjwt() -> None:
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        assert issubclass(cls, exceptions.JwtError) and issubclass(cls, jwt.PyJWTError)
        if hasattr(jwt.exceptions, name):
            assert issubclass(cls, getattr(jwt.exceptions, name)), name


def test_float_claims_come_back_exactly(keys: tuple[bytes, bytes]) -> None:
    # Found by the property tests: without serde_json's float_roundtrip this came back one ULP off.
    values = [-7.425135741019356e163, 0.1, 1e-310, 2.2250738585072014e-308, 1.7976931348623157e308]
    token, _ = encode_token({"x": values}, TokenTypes.ACCESS)
    assert decode_token(token, TokenTypes.ACCESS)["x"] == values


def test_a_timezone_now_patched_by_hand_is_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not freezegun nor time-machine (they patch time.time too): a test's own replacement of timezone.now.
    then = datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc)
    monkeypatch.setattr(timezone, "now", lambda: then)
    token, claims = encode_token({}, TokenTypes.ACCESS)
    assert claims["iat"] == int(then.timestamp())
    assert decode_token(token, TokenTypes.ACCESS)["iat"] == claims["iat"]
    monkeypatch.setattr(timezone, "now", lambda: then + timedelta(days=1))
    with pytest.raises(exceptions.ExpiredSignatureError):
        decode_token(token, TokenTypes.ACCESS)


def test_a_lifetime_of_centuries_that_the_checks_accept_signs(settings: Any) -> None:
    # E050 names lifetimes past the year 9999; anything shorter must sign (microseconds past 2**53 once
    # failed in the core: a 500 at every sign-in with a lifetime of 300 years).
    settings.NINJA_SIMPLE_JWT = {"JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=365 * 300)}
    _, claims = encode_token({"user_id": 1}, TokenTypes.REFRESH)
    assert claims["exp"] - claims["iat"] == 365 * 300 * 86400
