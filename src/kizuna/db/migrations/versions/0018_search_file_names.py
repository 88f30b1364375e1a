"""search: an attachment is found by its file name

An attachment is an `artifact` whose file name is in Kizuna's attachment extension
(`extensions.<extension-definition--…>.file_name`), none of the top-level fields that
0011_search indexes: the search offered "Attachment" in its type filter and found
none. The trigger now also indexes that file name; the versions already indexed are
indexed again. Nothing else changes: a search still joins the index to `access` with
the visibility condition.

Revision ID: 0018_search_file_names
Revises: 0017_meetings_evidence
Create Date: 2026-12-06
"""

from alembic import op

revision = "0018_search_file_names"
down_revision = "0017_meetings_evidence"
branch_labels = None
depends_on = None

# As 0011_search has them: the fields people write in, on every type that has them.
FIELDS = (
    "name", "name_ja", "description", "description_ja", "title_en", "title_ja",
    "body_en", "body_ja", "sentence", "sentence_ja", "judgement", "evidence", "comment",
    "place", "value", "pattern", "text",
)  # fmt: skip
# kizuna.stix.types.extension_id("attachment"), written out: a migration does not
# change with the code.
ATTACHMENT = "extension-definition--dd1ae6dd-7885-5ab7-ba6a-0897b83cffd8"


def _sqlite_text(row: str, *, file_name: bool) -> str:
    parts = [f"coalesce(json_extract({row}.body, '$.{f}'), '')" for f in FIELDS]
    if file_name:
        path = f'$.extensions."{ATTACHMENT}".file_name'
        parts.append(f"coalesce(json_extract({row}.body, '{path}'), '')")
    return " || ' ' || ".join(parts)


def _pg_text(row: str, *, file_name: bool) -> str:
    parts = [f"coalesce(({row}.body::jsonb) ->> '{f}', '')" for f in FIELDS]
    if file_name:
        parts.append(
            f"coalesce(({row}.body::jsonb) #>> '{{extensions,{ATTACHMENT},file_name}}', '')"
        )
    return "concat_ws(' ', " + ", ".join(parts) + ")"


def _index(*, file_name: bool) -> None:
    """The trigger that indexes each new version, and the versions of attachments
    indexed again with it."""
    attachments = f"v.body LIKE '%{ATTACHMENT}%'"
    if op.get_bind().dialect.name == "postgresql":
        text = _pg_text("NEW", file_name=file_name)
        op.execute(
            "CREATE OR REPLACE FUNCTION search_text_index() RETURNS trigger AS $$ BEGIN "  # noqa: S608 (the module's own field names, no input)
            f"INSERT INTO search_text (version_pk, text) VALUES (NEW.pk, {text}); "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "UPDATE search_text SET text = "  # noqa: S608 (the module's own field names, no input)
            f"{_pg_text('v', file_name=file_name)} FROM versions v "
            f"WHERE v.pk = search_text.version_pk AND {attachments}"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS versions_search")
    op.execute(
        "CREATE TRIGGER versions_search AFTER INSERT ON versions BEGIN "  # noqa: S608 (the module's own field names, no input)
        f"INSERT INTO search_text (version_pk, text) "
        f"VALUES (NEW.pk, {_sqlite_text('NEW', file_name=file_name)}); END"
    )
    # An FTS5 table is changed by deleting a row and inserting it again.
    op.execute(
        "DELETE FROM search_text WHERE version_pk IN "  # noqa: S608 (the module's own field names, no input)
        f"(SELECT v.pk FROM versions v WHERE {attachments})"
    )
    op.execute(
        "INSERT INTO search_text (version_pk, text) "  # noqa: S608 (the module's own field names, no input)
        f"SELECT v.pk, {_sqlite_text('v', file_name=file_name)} FROM versions v "
        f"WHERE {attachments}"
    )


def upgrade() -> None:
    _index(file_name=True)


def downgrade() -> None:
    _index(file_name=False)
