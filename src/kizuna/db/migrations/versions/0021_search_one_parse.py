"""search: the PostgreSQL trigger reads a version's JSON once, not once a field

0019_search_more_text's trigger took each of its 34 fields with `(NEW.body::jsonb)
->> 'field'`, and PostgreSQL parsed the stored text again for each: 534 µs a version
row where one parse takes 108 (3,000 indicators inserted on this machine's server;
25 µs with no trigger). Most of a pull's row cost on PostgreSQL was this (issue 12).
The function now casts the body once into a variable. The text it indexes is the
same, field for field and in the same order; SQLite's trigger is unchanged.

Revision ID: 0021_search_one_parse
Revises: 0020_peer_error_kind
Create Date: 2026-12-07
"""

from alembic import op

revision = "0021_search_one_parse"
down_revision = "0020_peer_error_kind"
branch_labels = None
depends_on = None

# As 0019_search_more_text has them, in its order: a migration does not change with
# the code.
FIELDS = (
    "name", "name_ja", "description", "description_ja", "title_en", "title_ja",
    "body_en", "body_ja", "sentence", "sentence_ja", "judgement", "evidence", "comment",
    "place", "value", "pattern", "text",
    "content", "abstract", "explanation", "objective", "contact_information",
    "text_ja", "question", "question_ja", "instructions", "instructions_ja", "note",
    "judgement_ja", "definition", "definition_ja", "legal_basis", "legal_basis_ja",
)  # fmt: skip
ATTACHMENT = "extension-definition--dd1ae6dd-7885-5ab7-ba6a-0897b83cffd8"


def _function(text: str, declare: str = "") -> str:
    return (
        "CREATE OR REPLACE FUNCTION search_text_index() RETURNS trigger AS $$ "  # noqa: S608 (the module's own field names, no input)
        f"{declare}BEGIN INSERT INTO search_text (version_pk, text) VALUES (NEW.pk, {text}); "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )


def _text(body: str) -> str:
    parts = [f"coalesce({body} ->> '{f}', '')" for f in FIELDS]
    parts.append(f"coalesce({body} #>> '{{extensions,{ATTACHMENT},file_name}}', '')")
    return "concat_ws(' ', " + ", ".join(parts) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function(_text("doc"), declare="DECLARE doc jsonb := NEW.body::jsonb; "))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function(_text("(NEW.body::jsonb)")))
