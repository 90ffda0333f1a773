"""pytest plugin of `make test-upstream`: marks the expected failures of one release's suite, strictly.

Each expected failure is `xfail(strict=True)`, so one that passes fails the run; an entry that names no
collected test, or a README line the README does not have, stops the run before any test: the list stays
true.
"""

import os
from pathlib import Path

import pytest
from expected import expected_failures


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    release = os.environ["UPSTREAM_RELEASE"]
    readme = Path(os.environ["UPSTREAM_README"]).read_text(encoding="utf-8")
    expected = expected_failures(Path(os.environ["UPSTREAM_EXPECTED"]), release)
    for test_id, documented in expected.items():
        if documented not in readme:
            raise pytest.UsageError(f"{test_id}: the README has no line {documented!r}")
    found = set()
    for item in items:
        documented = expected.get(item.nodeid)
        if documented is not None:
            found.add(item.nodeid)
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"README: {documented}"))
    missing = sorted(set(expected) - found)
    if missing:
        raise pytest.UsageError(f"expected failures of {release} that name no test: {', '.join(missing)}")
