"""The suite's PostgreSQL databases are used again (`tests.conftest.PgDatabases`): a
database given back must be the template again, row for row and sequence for sequence,
or a test would see what the one before it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kizuna.bootstrap import initialize, open_node, seed_demo
from kizuna.web.app import create_app
from tests.conftest import PgDatabases, _database_connect, fingerprint, node_settings

pytestmark = pytest.mark.postgres


def test_a_database_given_back_is_the_template_again(
    pg_server: str, pg_template: str, tmp_path: Path
) -> None:
    databases = PgDatabases(pg_server, pg_template)
    try:
        with _database_connect(pg_server, pg_template) as conn:
            template = fingerprint(conn)
        url, name = databases.take()
        settings = node_settings(url, tmp_path)
        initialize(settings, nation="JPN")
        node = open_node(settings)
        seed_demo(node)
        # A connection left open, as a test's server process would leave it.
        client = TestClient(create_app(node)).__enter__()
        assert client.get("/login").status_code == 200
        with _database_connect(pg_server, name) as conn:
            written = fingerprint(conn)
        assert written != template
        assert sum(1 for rows in written.values() if isinstance(rows, list) and rows) > 10

        databases.give_back(name)
        again, same = databases.take()
        assert (again, same) == (url, name)
        with _database_connect(pg_server, same) as conn:
            assert fingerprint(conn) == template
        client.__exit__(None, None, None)
        node.db.dispose()
        databases.give_back(same)
    finally:
        databases.close()


def test_a_database_whose_tables_changed_is_dropped_not_used_again(
    pg_server: str, pg_template: str
) -> None:
    databases = PgDatabases(pg_server, pg_template)
    try:
        _, name = databases.take()
        with _database_connect(pg_server, name) as conn:
            conn.execute("CREATE TABLE stray (n integer)")
        databases.give_back(name)
        assert databases.free == []
        with _database_connect(pg_server, "postgres") as conn:
            row = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
            assert row.fetchone() == (0,)
    finally:
        databases.close()
