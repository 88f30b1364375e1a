"""The suite's own set-up: `make test` runs browser tests and `kizuna serve` processes
one after another on one worker (`xdist_group`, tests/conftest.py). pytest-xdist groups
a test by adding the group to its `_nodeid`; pytest 9.2 reads a test's id from another
field, and the groups were silently dropped: browser tests and served nodes ran side by
side on both cores and the suite took 33 minutes instead of 14."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_pytest_xdist_can_put_a_test_in_a_group(request: pytest.FixtureRequest) -> None:
    item = request.node
    before = item.nodeid
    item._nodeid = f"{before}@probe"  # what `--dist loadgroup` does on each worker
    try:
        assert item.nodeid == f"{before}@probe", "this pytest ignores pytest-xdist's groups"
    finally:
        item._nodeid = before


# The tests whose subject is the database itself, or what every read and write path
# does on it: never `sqlite_only` (tests/conftest.py), whatever a later change finds slow.
BOTH_DATABASES = [
    "tests/integration/test_leak_oracle.py",
    "tests/integration/test_write_oracle.py",
    "tests/integration/test_attachments.py",
    "tests/integration/test_side_channels.py",
    "tests/integration/test_taxii.py",
    "tests/integration/test_federation.py",
    "tests/integration/test_federation_integrity.py",
    "tests/integration/test_federation_recall.py",
    "tests/integration/test_pull_bounds.py",
    "tests/integration/test_batch_writes.py",
    "tests/integration/test_search_text.py",
    "tests/integration/test_migrations.py",
    "tests/integration/test_statistics.py",
    "tests/integration/test_release.py",
    "tests/integration/test_audit.py",
    "tests/domains/incidents/test_leak_oracle.py",
    # Input each database answers in its own way (PostgreSQL refuses a U+0000 that
    # SQLite stores): a 422 naming the field on both, never a 500.
    "tests/integration/test_bad_input.py",
    "tests/integration/test_intel_input.py",
    "tests/domains/incidents/test_text_characters.py",
]


@pytest.mark.parametrize("path", BOTH_DATABASES)
def test_the_database_tests_run_on_both_databases(path: str) -> None:
    text = (Path(__file__).resolve().parents[2] / path).read_text(encoding="utf-8")
    assert "sqlite_only" not in text, f"{path} must run on SQLite and PostgreSQL"
