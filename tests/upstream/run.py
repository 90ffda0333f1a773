"""`make test-upstream`: the original package's own test suites, run against this package.

For each release below, fetches the original's wheel from PyPI (cached under target/upstream/, checked
against its pinned SHA-256), takes its `tests/` into a temporary directory with the harness files of this
directory (settings, URLs, the expected-failures plugin), adds the `COMPATIBLE_WITH` line of the release,
and runs the suite with this package installed in the virtualenv. Nothing of the original is kept in the
repository. Exits non-zero if any suite fails other than as `expected_failures.txt` says.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from expected import release_key

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = ROOT / "target" / "upstream"

# Every release on PyPI; each wheel ships its tests. SHA-256 of each wheel, as PyPI serves it.
RELEASES = {
    "0.4.0": "aa0bb911fc54cb26cefb71c598d58aae019f3dd033d56e863c7cc43d41759d34",
    "0.4.1": "f5155e809a0780019d16db31abda71f7ee2ab30c91d5c6884ee917295093daf8",
    "0.5.0": "9f5f45575bc3324d3488f0f8eb210d27674f758d21c3b446b77e267bb461003a",
    "0.6.0": "cb3794e6c7c459ad6d12b59a75ee553cbaa3c6da094e2ee3c5b9f7522251c2bc",
    "0.6.1": "f30e201035b99a40f7f9cc572782400a86b8545e9c8455e57febc3fd328220f7",
    "0.7.0": "92ac147a05c9e7caf839e2695fa42327e008e53304e3f7620aac038d5a3ba332",
    "0.7.1": "b64c960b88a09821697e4ff109886ab30c8b73f53f0fafe3cea5387d5bb870a0",
    "0.8.0": "6ab5192ee597057fe00d46a87169d6377d63feffbf8154f451f187c3aad648b0",
    "0.8.1": "e81717198acda44080cfef226d1dc4f0674ecc2619076b9f550d5c9c53682623",
}

PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps"]
PIP_DOWNLOAD += ["--only-binary", ":all:"]

HARNESS = {"settings.py": "upstream_settings.py", "urls.py": "upstream_urls.py", "plugin.py": "upstream_plugin.py"}


def wheel(release: str) -> Path:
    """The release's wheel, downloaded once with pip and checked against its pinned hash."""
    path = CACHE / f"django_ninja_simple_jwt-{release}-py3-none-any.whl"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*PIP_DOWNLOAD, "--dest", str(CACHE), f"django-ninja-simple-jwt=={release}"],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != RELEASES[release]:
        path.unlink()
        sys.exit(f"{path.name}: SHA-256 {digest}, expected {RELEASES[release]}")
    return path


def compatible_with(release: str) -> str | None:
    """The COMPATIBLE_WITH value of a project written for `release`; None for 0.4, the default."""
    minor = ".".join(release.split(".")[:2])
    return None if minor == "0.4" else minor


def suite_digest(release: str) -> str:
    """What decides a run's outcome: the release's tests, byte for byte, and its COMPATIBLE_WITH."""
    digest = hashlib.sha256(str(compatible_with(release)).encode())
    with zipfile.ZipFile(wheel(release)) as archive:
        for name in sorted(n for n in archive.namelist() if n.startswith("tests/")):
            digest.update(name.encode() + b"\0" + archive.read(name))
    return digest.hexdigest()


def prepare(release: str, directory: Path) -> None:
    """The release's tests and this directory's harness files in `directory`."""
    with zipfile.ZipFile(wheel(release)) as archive:
        for name in archive.namelist():
            if name.startswith("tests/"):
                archive.extract(name, directory)
    for source, target in HARNESS.items():
        shutil.copy(HERE / source, directory / target)
    shutil.copy(HERE / "expected.py", directory / "expected.py")
    version = compatible_with(release)
    if version is not None:
        with open(directory / "upstream_settings.py", "a", encoding="utf-8") as f:
            f.write(f'\nNINJA_SIMPLE_JWT = {{"COMPATIBLE_WITH": "{version}"}}\n')
    (directory / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n", encoding="utf-8")


def run(release: str, pytest_args: list[str]) -> tuple[int, str]:
    """Runs one release's suite; its exit status and pytest's summary line."""
    with tempfile.TemporaryDirectory(prefix=f"upstream-{release}-") as tmp:
        directory = Path(tmp)
        prepare(release, directory)
        env = {
            **os.environ,
            "PYTHONPATH": str(directory),
            "DJANGO_SETTINGS_MODULE": "upstream_settings",
            "UPSTREAM_RELEASE": release,
            "UPSTREAM_EXPECTED": str(HERE / "expected_failures.txt"),
            "UPSTREAM_README": str(ROOT / "README.md"),
        }
        command = [sys.executable, "-m", "pytest", "-p", "upstream_plugin", "-q", "-rfEX", *pytest_args, "tests"]
        result = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    log = CACHE / f"{release}.log"
    log.write_text(output, encoding="utf-8")
    if result.returncode != 0:
        # pytest's list of what failed; the tracebacks are in the log.
        start = output.find("short test summary info")
        print(output[start:] if start >= 0 else output, f"(whole output: {log})", sep="\n")
    summary = next((line for line in reversed(output.splitlines()) if re.search(r"passed|failed|error", line)), "")
    return result.returncode, summary.strip("= ")


def main() -> int:
    """Runs every release's suite (or those given as arguments) and prints one line per release."""
    releases = [arg for arg in sys.argv[1:] if not arg.startswith("-")] or list(RELEASES)
    pytest_args = [arg for arg in sys.argv[1:] if arg.startswith("-")]
    failed = []
    done: dict[str, str] = {}
    for release in sorted(releases, key=release_key):
        # A patch release that ships the same tests as the one before it runs the same suite: once is enough.
        digest = suite_digest(release)
        if digest in done:
            print(f"original {release}: the suite of {done[digest]}, unchanged")
            continue
        done[digest] = release
        status, summary = run(release, pytest_args)
        print(f"original {release}: {summary}", flush=True)
        if status != 0:
            failed.append(release)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
