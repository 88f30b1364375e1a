"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import kizuna.domains.coordination.schema
import kizuna.domains.incidents.schema
import kizuna.domains.intel.schema
import kizuna.domains.meetings.schema
import kizuna.federation.schema
import kizuna.identity.schema
import kizuna.taxii.schema  # noqa: F401
from kizuna.db.schema import metadata
from kizuna.domains import migration_folders
from kizuna.store import Database


def test_migrations_match_the_declared_schema(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.migrate(migration_folders())
        with db.read() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        db.migrate(migration_folders())  # a second run is a no-op
    finally:
        db.dispose()
