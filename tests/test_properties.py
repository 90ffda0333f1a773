"""Property tests (hypothesis): whatever reaches `decode_token` raises nothing but an `InvalidTokenError`
subclass, and every token this package signs verifies with PyJWT to the same claims."""

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ninja_simple_jwt.exceptions import InvalidTokenError
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token
from tests.conftest import b64

# The autouse fixtures (a working directory, caches cleared) are the same for every example.
examples = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Every code point, lone surrogates included (hypothesis leaves those out of st.text() unless asked).
any_text = st.text(st.characters(categories=["C", "L", "M", "N", "P", "S", "Z"]))


@pytest.fixture(autouse=True)
def _inline_keys(pem_pair: tuple[bytes, bytes]) -> Iterator[None]:
    with override_settings(NINJA_SIMPLE_JWT={"JWT_PRIVATE_KEY": pem_pair[0], "JWT_PUBLIC_KEY": pem_pair[1]}):
        yield


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)


def segment() -> st.SearchStrategy[str]:
    """A JWT segment: base64url of JSON (a header or claims), of arbitrary bytes, or arbitrary text."""
    as_json = st.dictionaries(st.sampled_from(["alg", "typ", "kid", "crit", "exp", "jti", "token_type"]), json_values)
    return st.one_of(
        as_json.map(lambda d: b64(json.dumps(d).encode())),
        st.binary(max_size=64).map(b64),
        st.text(alphabet=B64URL + "=.+/ ", max_size=40),
        any_text,
    )


tokens_of_parts = st.lists(segment(), min_size=1, max_size=5).map(".".join)
anything = st.one_of(
    any_text,
    st.binary(),
    tokens_of_parts,
    # As bytes: surrogates too (a text strategy may draw them), so the strategy itself never fails.
    tokens_of_parts.map(lambda token: token.encode("utf-8", "surrogatepass")),
    st.none(),
    st.integers(),
    st.floats(),
    st.lists(any_text, max_size=3),
    st.dictionaries(any_text, any_text, max_size=3),
)
token_types = st.sampled_from([TokenTypes.ACCESS, TokenTypes.REFRESH, "access", "refresh", None])


def assert_only_invalid_token_errors(token: Any, token_type: Any) -> None:
    for verify in (True, False):
        with contextlib.suppress(InvalidTokenError):
            decode_token(token, token_type, verify=verify)


@examples
@given(token=anything, token_type=token_types)
def test_anything_raises_only_invalid_token_errors(token: Any, token_type: Any) -> None:
    assert_only_invalid_token_errors(token, token_type)


@examples
@given(data=st.data(), token_type=token_types)
def test_mutated_tokens_raise_only_invalid_token_errors(data: st.DataObject, token_type: Any) -> None:
    token, _ = encode_token({"user_id": 1, "username": "alice"}, TokenTypes.ACCESS)
    chars = list(token)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        where = data.draw(st.integers(min_value=0, max_value=len(chars)))
        what = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        new = data.draw(st.sampled_from([*B64URL, ".", "=", "\x00", "\ud800", "é", " "]))
        if what == "replace" and where < len(chars):
            chars[where] = new
        elif what == "insert":
            chars.insert(where, new)
        elif what == "delete" and where < len(chars):
            del chars[where]
        elif what == "truncate":
            del chars[where:]
    mutated = "".join(chars)
    try:
        claims = decode_token(mutated, token_type)
    except InvalidTokenError:
        return
    # Accepted only if the signed part is untouched: base64url's last character may carry spare bits.
    assert mutated.rsplit(".", 1)[0] == token.rsplit(".", 1)[0]
    assert claims["username"] == "alice"


@examples
@given(
    header=st.dictionaries(st.text(max_size=6), json_values, max_size=3),
    claims=st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    signature=st.binary(max_size=300),
)
def test_forged_tokens_are_refused(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> None:
    header = {**header, "alg": "RS256"}
    token = ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)])
    with pytest.raises(InvalidTokenError):
        decode_token(token, None)
    assert_only_invalid_token_errors(token, "access")


REGISTERED = {"exp", "iat", "nbf", "jti", "token_type", "aud", "iss", "sub"}


@examples
@given(
    payload=st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), json_values, max_size=6).map(
        lambda d: {k: v for k, v in d.items() if k not in REGISTERED}
    ),
    token_type=st.sampled_from([TokenTypes.ACCESS, TokenTypes.REFRESH]),
)
def test_every_token_we_sign_verifies_with_pyjwt(
    pem_pair: tuple[bytes, bytes], payload: dict[str, Any], token_type: TokenTypes
) -> None:
    token, claims = encode_token(payload, token_type)
    assert jwt.decode(token, pem_pair[1], algorithms=["RS256"]) == claims
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert decode_token(token, token_type) == claims
    assert {k: claims[k] for k in payload} == payload


any_json = st.recursive(
    json_scalars | st.integers(),  # integers of any size: json.loads reads them exactly
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)


@examples
@given(
    payload=st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), any_json, max_size=6).map(
        lambda d: {k: v for k, v in d.items() if k not in REGISTERED}
    )
)
def test_any_payload_pyjwt_signs_decodes_as_json_loads_reads_it(
    pem_pair: tuple[bytes, bytes], payload: dict[str, Any]
) -> None:
    claims = {**payload, "jti": "j", "exp": 2**40, "token_type": "access"}
    token = jwt.encode(claims, pem_pair[0], algorithm="RS256")
    expected = json.loads(json.dumps(claims))
    decoded = decode_token(token, TokenTypes.ACCESS)
    assert decoded == expected
    assert list(decoded) == list(expected)
    assert decode_token(token, None, verify=False) == expected
