"""The suite's own set-up: `make test` runs browser tests and `kizuna serve` processes
one after another on one worker (`xdist_group`, tests/conftest.py). pytest-xdist groups
a test by adding the group to its `_nodeid`; pytest 9.2 reads a test's id from another
field, and the groups were silently dropped: browser tests and served nodes ran side by
side on both cores and the suite took 33 minutes instead of 14."""

from __future__ import annotations

import pytest


def test_pytest_xdist_can_put_a_test_in_a_group(request: pytest.FixtureRequest) -> None:
    item = request.node
    before = item.nodeid
    item._nodeid = f"{before}@probe"  # what `--dist loadgroup` does on each worker
    try:
        assert item.nodeid == f"{before}@probe", "this pytest ignores pytest-xdist's groups"
    finally:
        item._nodeid = before
