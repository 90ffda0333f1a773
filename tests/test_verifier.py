"""The public `decode_token` answers a token the keys in memory can check in the core, and hands every other
call to the Python function that holds the rules; both answer alike."""

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ninja_simple_jwt import _core
from ninja_simple_jwt.exceptions import InvalidTokenError, UnknownKeyIdError
from ninja_simple_jwt.jwt import token_operations
from ninja_simple_jwt.jwt.key_retrieval import key_ring
from ninja_simple_jwt.jwt.token_operations import TokenTypes, encode_token
from ninja_simple_jwt.settings import ninja_simple_jwt_settings
from tests.test_properties import anything, token_types

ACCESS, REFRESH = TokenTypes.ACCESS, TokenTypes.REFRESH


@pytest.fixture(autouse=True)
def _inline_keys(pem_pair: tuple[bytes, bytes]) -> Iterator[None]:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1]}):
        yield


class Recorder:
    """A Verifier like the module's, whose Python functions note each call they get."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.verifier = _core.Verifier(
            self._wrap("decode", token_operations._decode_token),
            self._wrap("from_memory", token_operations._decode_token_from_memory),
            ACCESS,
            REFRESH,
            time,
            timezone,
            token_operations._django_now,
            key_ring,
            ninja_simple_jwt_settings,
        )

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any) -> Any:
            self.calls.append(name)
            return function(*args)

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
        NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1], "JWT_LEEWAY": 10}
    ):
        token, claims = encode_token({"user_id": 1}, ACCESS)
        # As freezegun does to `time.time` (it also moves `time.monotonic`, which makes the key ring read).
        monkeypatch.setattr(time, "time", lambda: claims["exp"] + 9)
        assert recorder.verifier.decode_token(token, ACCESS)["user_id"] == 1
        monkeypatch.setattr(time, "time", lambda: claims["exp"] + 11)
        with pytest.raises(InvalidTokenError, match="expired"):
            recorder.verifier.decode_token(token, ACCESS)
        monkeypatch.setattr(time, "time", lambda: claims["iat"] - 11)
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
