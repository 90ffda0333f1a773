"""Reads `expected_failures.txt`: which of the original's tests fail with this package, and why."""

from pathlib import Path

__all__ = ["expected_failures", "release_key"]


def release_key(release: str) -> tuple[int, ...]:
    """`"0.6.1"` as `(0, 6, 1)`, to compare releases."""
    return tuple(int(part) for part in release.split("."))


def expected_failures(path: Path, release: str) -> dict[str, str]:
    """The test ids expected to fail in `release`'s suite, each with the README text that documents why.

    A line is `FIRST..LAST TEST_ID | README TEXT` (or one release instead of a range); `#` starts a comment.
    """
    expected = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        try:
            head, documented = (part.strip() for part in line.split("|", 1))
            releases, test_id = head.split()
            first, _, last = releases.partition("..")
        except ValueError:
            raise ValueError(f"{path}:{number}: expected 'FIRST..LAST TEST_ID | README TEXT'") from None
        if release_key(first) <= release_key(release) <= release_key(last or first) and documented:
            expected[test_id] = documented
    return expected
