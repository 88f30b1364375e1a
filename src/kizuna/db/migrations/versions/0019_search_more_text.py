"""search: the text of STIX notes, opinions and campaigns, and Kizuna's own texts

0011_search indexed the fields Kizuna's forms write in, and none of the text
properties of the standard STIX types a partner or an import brings: a note's
`content` and `abstract`, an opinion's `explanation`, a campaign's `objective`, an
identity's `contact_information` (a US note "about Delta zebrafish" was not found by
"zebrafish"). Nor a few of Kizuna's own texts: a reply's Japanese text, an RFI's
question, a tasker's instructions and an office's note, an assessment's Japanese
judgement, a glossary term's definition, a determination's legal basis. The trigger
now indexes them too (after the fields it had, the attachment's file name last); the
versions already held that carry any of them are indexed again. Nothing else
changes: a search still joins the index to `access` with the visibility condition.

Revision ID: 0019_search_more_text
Revises: 0018_search_file_names
Create Date: 2026-12-07
"""

from alembic import op

revision = "0019_search_more_text"
down_revision = "0018_search_file_names"
branch_labels = None
depends_on = None

# As 0018_search_file_names has them, then the ones this revision adds. Strings only:
# a list (aliases, goals) would be indexed as its JSON.
BEFORE = (
    "name", "name_ja", "description", "description_ja", "title_en", "title_ja",
    "body_en", "body_ja", "sentence", "sentence_ja", "judgement", "evidence", "comment",
    "place", "value", "pattern", "text",
)  # fmt: skip
ADDED = (
    "content", "abstract", "explanation", "objective", "contact_information",
    "text_ja", "question", "question_ja", "instructions", "instructions_ja", "note",
    "judgement_ja", "definition", "definition_ja", "legal_basis", "legal_basis_ja",
)  # fmt: skip
FIELDS = BEFORE + ADDED
# kizuna.stix.types.extension_id("attachment"), written out: a migration does not
# change with the code.
ATTACHMENT = "extension-definition--dd1ae6dd-7885-5ab7-ba6a-0897b83cffd8"


def _sqlite_text(row: str, fields: tuple[str, ...]) -> str:
    parts = [f"coalesce(json_extract({row}.body, '$.{f}'), '')" for f in fields]
    path = f'$.extensions."{ATTACHMENT}".file_name'
    parts.append(f"coalesce(json_extract({row}.body, '{path}'), '')")
    return " || ' ' || ".join(parts)


def _pg_text(row: str, fields: tuple[str, ...]) -> str:
    parts = [f"coalesce(({row}.body::jsonb) ->> '{f}', '')" for f in fields]
    parts.append(f"coalesce(({row}.body::jsonb) #>> '{{extensions,{ATTACHMENT},file_name}}', '')")
    return "concat_ws(' ', " + ", ".join(parts) + ")"


def _index(fields: tuple[str, ...]) -> None:
    """The trigger that indexes each new version, and the versions that carry one of
    the added fields indexed again with it (a key is written `"content":` in the
    stored JSON; a value that merely says "content" is indexed again, harmlessly)."""
    holding = " OR ".join(f"v.body LIKE '%\"{f}\"%'" for f in ADDED)
    if op.get_bind().dialect.name == "postgresql":
        text = _pg_text("NEW", fields)
        op.execute(
            "CREATE OR REPLACE FUNCTION search_text_index() RETURNS trigger AS $$ BEGIN "  # noqa: S608 (the module's own field names, no input)
            f"INSERT INTO search_text (version_pk, text) VALUES (NEW.pk, {text}); "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "UPDATE search_text SET text = "  # noqa: S608 (the module's own field names, no input)
            f"{_pg_text('v', fields)} FROM versions v "
            f"WHERE v.pk = search_text.version_pk AND ({holding})"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS versions_search")
    op.execute(
        "CREATE TRIGGER versions_search AFTER INSERT ON versions BEGIN "  # noqa: S608 (the module's own field names, no input)
        f"INSERT INTO search_text (version_pk, text) "
        f"VALUES (NEW.pk, {_sqlite_text('NEW', fields)}); END"
    )
    # An FTS5 table is changed by deleting a row and inserting it again.
    op.execute(
        "DELETE FROM search_text WHERE version_pk IN "  # noqa: S608 (the module's own field names, no input)
        f"(SELECT v.pk FROM versions v WHERE {holding})"
    )
    op.execute(
        "INSERT INTO search_text (version_pk, text) "  # noqa: S608 (the module's own field names, no input)
        f"SELECT v.pk, {_sqlite_text('v', fields)} FROM versions v WHERE {holding}"
    )


def upgrade() -> None:
    _index(FIELDS)


def downgrade() -> None:
    _index(BEFORE)
