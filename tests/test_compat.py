"""Drop-in for every release of the original: COMPATIBLE_WITH, 0.8.1's public names and behaviour, and a
clock patched by freezegun or time-machine at the first token of a process."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A fresh process, so that its first token is the one made under the patched clock.
FIRST_TOKEN_UNDER_PATCHED_CLOCK = """
import django
from django.conf import settings
from ninja_simple_jwt._core import generate_key_pair

private, public = generate_key_pair()
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "ninja_simple_jwt"],
    DATABASES={{}},
    USE_TZ=True,
    NINJA_SIMPLE_JWT={{"JWT_PRIVATE_KEY": private, "JWT_PUBLIC_KEY": public}},
)
django.setup()
from ninja_simple_jwt.jwt.token_operations import TokenTypes, decode_token, encode_token

{patch}
    frozen, frozen_claims = encode_token({{"name": "x"}}, TokenTypes.ACCESS)
assert frozen_claims["iat"] == 1704974401, frozen_claims
token, claims = encode_token({{"name": "x"}}, TokenTypes.ACCESS)
assert claims["iat"] > 1704974401, claims
assert decode_token(token, TokenTypes.ACCESS)["name"] == "x"
print("ok")
"""


@pytest.mark.parametrize(
    "patch",
    [
        'from freezegun import freeze_time\nwith freeze_time("2024-01-11 12:00:01"):',
        'import time_machine\nwith time_machine.travel("2024-01-11 12:00:01Z", tick=False):',
    ],
    ids=["freezegun", "time-machine"],
)
def test_first_token_under_a_patched_clock_then_real_time(patch: str, tmp_path: Path) -> None:
    script = FIRST_TOKEN_UNDER_PATCHED_CLOCK.format(patch=textwrap.dedent(patch))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
