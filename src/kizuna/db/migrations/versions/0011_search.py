"""full-text search over every version: SQLite FTS5 (trigram), PostgreSQL pg_trgm

One row per version, written by a trigger on `versions`, so that every write path
(store, import, TAXII, a peer) is indexed without knowing about search. Searches join
it to `access` (current = 1 and the visibility condition), so an old version's text
or an invisible object's never comes back.

Revision ID: 0011_search
Revises: 0010_federation_integrity
Create Date: 2026-12-03
"""

from alembic import op

revision = "0011_search"
down_revision = "0010_federation_integrity"
branch_labels = None
depends_on = None

# The fields people write in, on every type that has them (absent ones are empty).
FIELDS = (
    "name", "name_ja", "description", "description_ja", "title_en", "title_ja",
    "body_en", "body_ja", "sentence", "sentence_ja", "judgement", "evidence", "comment",
    "place", "value", "pattern", "text",
)  # fmt: skip


def _sqlite_text(row: str) -> str:
    parts = [f"coalesce(json_extract({row}.body, '$.{f}'), '')" for f in FIELDS]
    return " || ' ' || ".join(parts)


def _pg_text(row: str) -> str:
    parts = [f"coalesce(({row}.body::jsonb) ->> '{f}', '')" for f in FIELDS]
    return "concat_ws(' ', " + ", ".join(parts) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE TABLE search_text (version_pk INTEGER PRIMARY KEY "
            "REFERENCES versions (pk), text TEXT NOT NULL)"
        )
        op.execute("CREATE INDEX ix_search_text_trgm ON search_text USING gin (text gin_trgm_ops)")
        op.execute(
            "CREATE FUNCTION search_text_index() RETURNS trigger AS $$ BEGIN "  # noqa: S608 (the module's own field names, no input)
            f"INSERT INTO search_text (version_pk, text) VALUES (NEW.pk, {_pg_text('NEW')}); "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER versions_search AFTER INSERT ON versions "
            "FOR EACH ROW EXECUTE FUNCTION search_text_index()"
        )
        op.execute(
            f"INSERT INTO search_text (version_pk, text) SELECT v.pk, {_pg_text('v')} "  # noqa: S608 (the module's own field names, no input)
            "FROM versions v"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_text USING fts5(version_pk UNINDEXED, text, "
        "tokenize = 'trigram')"
    )
    op.execute(
        "CREATE TRIGGER versions_search AFTER INSERT ON versions BEGIN "  # noqa: S608 (the module's own field names, no input)
        f"INSERT INTO search_text (version_pk, text) VALUES (NEW.pk, {_sqlite_text('NEW')}); "
        "END"
    )
    op.execute(
        f"INSERT INTO search_text (version_pk, text) SELECT v.pk, {_sqlite_text('v')} "  # noqa: S608 (the module's own field names, no input)
        "FROM versions v"
    )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS versions_search"
        + (" ON versions" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS search_text_index()")
    op.execute("DROP TABLE IF EXISTS search_text")
