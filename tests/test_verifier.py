"""The public `encode_token` and `decode_token` sign and verify with the keys in memory in the core, and hand
every other call to the Python functions that hold the rules; both answer alike."""

import contextlib
import datetime as dt
import inspect
import time
from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import Any

import jwt
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ninja_simple_jwt import _core
from ninja_simple_jwt.exceptions import InvalidKeyError, InvalidTokenError, UnknownKeyIdError
from ninja_simple_jwt.jwt import token_operations
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from ninja_simple_jwt.jwt.token_operations import TokenTypes, encode_token
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from tests.test_properties import anything, json_values, token_types

ACCESS, REFRESH = TokenTypes.ACCESS, TokenTypes.REFRESH


@pytest.fixture(autouse=True)
def _inline_keys(pem_pair: tuple[bytes, bytes]) -> Iterator[None]:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1]}):
        yield


class Recorder:
    """A TokenApi like the module's, whose Python functions note each call they get."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.api_arguments = (
            self._wrap("encode", token_operations._encode_token),
            self._wrap("decode", token_operations._decode_token),
            self._wrap("from_memory", token_operations._decode_token_from_memory),
            token_operations._encoder_defaults,
            ACCESS,
            REFRESH,
            time,
            timezone,
            token_operations._django_now,
            key_ring,
            ninja_simple_jwt_settings,
        )
        self.api = self.verifier = _core.TokenApi(*self.api_arguments)

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return function(*args, **kwargs)

        return recorded


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_a_token_the_keys_in_memory_can_check_is_answered_in_the_core(recorder: Recorder) -> None:
    token, claims = encode_token({"user_id": 1}, ACCESS)
    refresh, _ = encode_token({"user_id": 1}, REFRESH)
    verifier = recorder.verifier
    assert verifier.decode_token(token, ACCESS) == {**claims, "token_type": "access"}
    assert verifier.decode_token(token, None)["user_id"] == 1
    assert verifier.decode_token(refresh, REFRESH)["user_id"] == 1
    assert verifier.decode_token_from_memory(token, ACCESS)["user_id"] == 1
    with pytest.raises(InvalidTokenError, match="token type"):
        verifier.decode_token(token, REFRESH)
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("token_of", "token_type", "verify"),
    [
        (lambda t: t.encode(), ACCESS, True),  # bytes
        (lambda t: t, "access", True),  # a plain string for the type
        (lambda t: t, ACCESS, False),  # unverified
        (lambda t: t + "é", ACCESS, True),  # not ASCII
    ],
)
def test_other_arguments_go_to_the_python_function(
    recorder: Recorder, token_of: Callable[[str], Any], token_type: Any, verify: bool
) -> None:
    token, _ = encode_token({"user_id": 1}, ACCESS)
    with contextlib.suppress(InvalidTokenError):
        recorder.verifier.decode_token(token_of(token), token_type, verify)
    assert recorder.calls == ["decode"]


def test_a_patched_timezone_now_is_asked(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = encode_token({"user_id": 1}, ACCESS)
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + dt.timedelta(hours=1))
    with pytest.raises(InvalidTokenError, match="expired"):
        recorder.verifier.decode_token(token, ACCESS)
    assert recorder.calls == ["decode"]


def test_a_key_ring_due_a_read_reads(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = encode_token({"user_id": 1}, ACCESS)
    later = time.monotonic() + 3600
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert recorder.verifier.decode_token_from_memory(token, ACCESS) is None
    assert recorder.verifier.decode_token(token, ACCESS)["user_id"] == 1  # read: fresh again
    assert recorder.verifier.decode_token_from_memory(token, ACCESS)["user_id"] == 1
    assert recorder.calls == ["from_memory", "decode"]


def test_a_key_ring_not_read_yet_reads(recorder: Recorder) -> None:
    token, _ = encode_token({"user_id": 1}, ACCESS)
    key_ring.clear()
    assert recorder.verifier.decode_token(token, ACCESS)["user_id"] == 1
    assert recorder.calls == ["decode"]
    assert recorder.verifier.decode_token(token, ACCESS)["user_id"] == 1
    assert recorder.calls == ["decode"]


def test_an_unknown_kid_goes_to_the_python_function(recorder: Recorder) -> None:
    private, public = _core.generate_key_pair()
    elsewhere = _core.KeySet([_core.VerifyingKey(public)], _core.SigningKey(private))
    key_ring.key_set()  # read
    # A key this process does not hold: the key ring looks for new keys, in Python, and finds none.
    forged, _ = _core.encode_token(elsewhere, {"user_id": 1}, "access", time.time(), 300.0)
    with pytest.raises(UnknownKeyIdError):
        recorder.verifier.decode_token(forged, ACCESS)
    assert recorder.calls == ["decode"]


def test_a_trusted_issuers_service_routes_access_tokens_in_python(recorder: Recorder, pem_pair: Any) -> None:
    token, _ = encode_token({"user_id": 1}, ACCESS)
    trusted = [{"issuer": "https://idp.example", "audience": "a"}]
    with override_settings(
        NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1], "JWT_TRUSTED_ISSUERS": trusted}
    ):
        assert recorder.verifier.decode_token(token, ACCESS)["user_id"] == 1
    assert recorder.calls == ["decode"]


def outcome(function: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    try:
        return "claims", function(*args)
    except InvalidTokenError as e:
        return type(e).__name__, str(e)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=anything, token_type=token_types, data=st.data())
def test_the_core_and_the_python_function_answer_alike(token: Any, token_type: Any, data: st.DataObject) -> None:
    own, _ = encode_token({"user_id": 1, "username": "alice"}, ACCESS)
    # One of ours, cut or changed at one place, or anything at all.
    if data.draw(st.booleans()):
        where = data.draw(st.integers(min_value=0, max_value=len(own)))
        token = own[:where] + data.draw(st.sampled_from(["", "A", ".", "é", "x.y"])) + own[where + 1 :]
    assert outcome(token_operations.decode_token, token, token_type) == outcome(
        token_operations._decode_token, token, token_type
    )


def test_the_core_reads_a_patched_time_and_the_leeway(
    recorder: Recorder, pem_pair: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with override_settings(
        NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1], "JWT_LEEWAY": 30}
    ):
        encode_token({"user_id": 1}, ACCESS)
        # The same object reads the lifetime, then the leeway.
        token, claims = recorder.api.encode_token({"user_id": 1}, ACCESS)
        # As freezegun does to `time.time` (it also moves `time.monotonic`, which makes the key ring read).
        monkeypatch.setattr(time, "time", lambda: claims["exp"] + 29)
        assert recorder.verifier.decode_token(token, ACCESS)["user_id"] == 1
        monkeypatch.setattr(time, "time", lambda: claims["exp"] + 31)
        with pytest.raises(InvalidTokenError, match="expired"):
            recorder.verifier.decode_token(token, ACCESS)
        monkeypatch.setattr(time, "time", lambda: claims["iat"] - 31)
        with pytest.raises(InvalidTokenError, match="iat"):
            recorder.verifier.decode_token(token, ACCESS)
    assert recorder.calls == []


def test_freezegun_moves_the_public_functions_clock(pem_pair: Any) -> None:
    from freezegun import freeze_time

    with freeze_time("2026-06-01 12:00:00"):
        token, claims = encode_token({"user_id": 1}, ACCESS)
        assert token_operations.decode_token(token, ACCESS)["user_id"] == 1
        assert token_operations.decode_token_from_memory(token, ACCESS) is not None
    expired = dt.datetime.fromtimestamp(claims["exp"] + 3600, tz=dt.timezone.utc)
    with freeze_time(expired), pytest.raises(InvalidTokenError, match="expired"):
        token_operations.decode_token(token, ACCESS)


def test_a_dict_signed_with_the_key_in_memory_is_signed_in_the_core(recorder: Recorder) -> None:
    encode_token({"user_id": 1}, ACCESS)  # the key ring read, TOKEN_USER_ENCODER_CLS imported
    token, claims = recorder.api.encode_token({"user_id": 1, "when": dt.date(2026, 1, 2)}, REFRESH)
    assert claims["token_type"] is REFRESH and claims["when"] == dt.date(2026, 1, 2)
    assert claims["exp"] - claims["iat"] == ninja_simple_jwt_settings.JWT_REFRESH_TOKEN_LIFETIME.total_seconds()
    assert recorder.api.decode_token(token, REFRESH) == {**claims, "token_type": "refresh", "when": "2026-01-02"}
    assert recorder.calls == []


class Encoder(DjangoJSONEncoder):
    pass


@pytest.mark.parametrize(
    ("payload", "token_type", "extra"),
    [
        ({"user_id": 1}, "access", {}),  # a plain string for the type
        ({"user_id": 1}, ACCESS, {"json_encoder": Encoder}),
        ({"user_id": 1}, ACCESS, {"x5t": "header"}),  # an extra header
        (MappingProxyType({"user_id": 1}), ACCESS, {}),  # a mapping that is not a dict
    ],
)
def test_other_arguments_to_sign_go_to_the_python_function(
    recorder: Recorder, payload: Any, token_type: Any, extra: dict[str, Any]
) -> None:
    encode_token({"user_id": 1}, ACCESS)
    token, claims = recorder.api.encode_token(payload, token_type, **extra)
    assert recorder.api.decode_token(token, ACCESS)["user_id"] == claims["user_id"] == 1
    assert recorder.calls == ["encode"]


def test_encode_token_keeps_the_original_signature(recorder: Recorder) -> None:
    # A builtin function of the core's (METH_FASTCALL), with the Python function's parameters.
    assert str(inspect.signature(encode_token)) == "(payload, token_type, json_encoder=None, **additional_headers)"
    assert encode_token.__doc__ and encode_token.__doc__.startswith("Signs `payload`")
    encode_token({"user_id": 1}, ACCESS)
    token, _ = recorder.api.encode_token({"user_id": 1}, ACCESS, None)  # json_encoder=None, by position
    assert recorder.calls == []
    assert recorder.api.decode_token(token, ACCESS)["user_id"] == 1


def test_arguments_reach_the_python_function_as_given(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, ...]] = []
    encode = token_operations._encode_token

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return encode(*args, **kwargs)

    recorder.api = _core.TokenApi(spy, *recorder.api_arguments[1:])
    payload = {"user_id": 1}
    token, _ = recorder.api.encode_token(payload, ACCESS, Encoder, x5t="header")
    recorder.api.encode_token(payload, token_type=REFRESH)
    recorder.api.encode_token(payload, ACCESS, Encoder)
    assert seen == [
        ((payload, ACCESS, Encoder), {"x5t": "header"}),
        ((payload,), {"token_type": REFRESH}),
        ((payload, ACCESS, Encoder), {}),
    ]
    assert jwt.get_unverified_header(token)["x5t"] == "header"
    with pytest.raises(TypeError, match="token_type"):
        recorder.api.encode_token(payload)
    with pytest.raises(TypeError):
        recorder.api.encode_token(payload, ACCESS, None, "one too many")


def test_signing_before_the_encoder_is_imported_or_after_a_reload_goes_to_python(recorder: Recorder) -> None:
    key_ring.key_set()
    token_operations._encoder_defaults.clear()
    recorder.api.encode_token({"user_id": 1}, ACCESS)
    recorder.api.encode_token({"user_id": 1}, ACCESS)
    assert recorder.calls == ["encode"]


def test_a_process_that_cannot_sign_is_told_why_by_python(recorder: Recorder, pem_pair: Any) -> None:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PUBLIC_KEY": pem_pair[1]}):
        encode_token_error = None
        try:
            recorder.api.encode_token({"user_id": 1}, ACCESS)
        except InvalidKeyError as e:
            encode_token_error = str(e)
    assert encode_token_error and "private key" in encode_token_error
    assert recorder.calls == ["encode"]


def test_signing_reads_a_patched_time_and_the_lifetime(recorder: Recorder, pem_pair: Any, monkeypatch: Any) -> None:
    with override_settings(
        NINJA_SIMPLE_JWT={
            "JWT_PRIVATE_KEY": pem_pair[0],
            "JWT_PUBLIC_KEY": pem_pair[1],
            "JWT_ACCESS_TOKEN_LIFETIME": 60,
        }
    ):
        encode_token({"user_id": 1}, ACCESS)
        monkeypatch.setattr(time, "time", lambda: 1_800_000_000.25)
        _, claims = recorder.api.encode_token({"user_id": 1}, ACCESS)
    assert (claims["iat"], claims["exp"]) == (1_800_000_000, 1_800_000_060)
    assert recorder.calls == []


def signed(function: Callable[..., Any], payload: Any) -> tuple[str, Any]:
    try:
        token, claims = function(payload, ACCESS)
    except Exception as e:  # the two must fail alike, whatever the error
        return type(e).__name__, str(e)
    try:  # a payload may give a checked claim a value the checks refuse ({"nbf": None})
        checked = token_operations._decode_token(token, ACCESS)
    except InvalidTokenError as e:
        return type(e).__name__, str(e)
    assert checked["jti"] == claims["jti"]
    return "claims", {k: v for k, v in checked.items() if k not in ("jti", "iat", "exp")}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.text(max_size=8), json_values, max_size=4) | st.builds(lambda: {"x": object()}))
def test_signing_in_the_core_and_in_python_agree(payload: dict[str, Any]) -> None:
    assert signed(token_operations.encode_token, payload) == signed(token_operations._encode_token, payload)
