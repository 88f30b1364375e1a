"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import kizuna.domains.coordination.schema
import kizuna.domains.coordination.watch_schema
import kizuna.domains.glossary.schema
import kizuna.domains.incidents.schema
import kizuna.domains.intel.schema
import kizuna.domains.meetings.schema
import kizuna.federation.schema
import kizuna.identity.schema
import kizuna.taxii.schema  # noqa: F401
from kizuna.db.schema import metadata
from kizuna.domains import migration_folders
from kizuna.store import Database


def _declared(name: str | None, kind: str, _parent: object) -> bool:
    # The search index is database-specific DDL (an FTS5 virtual table and its shadow
    # tables on SQLite, a pg_trgm GIN index on PostgreSQL) kept by a trigger, not part
    # of the declared metadata: store/search.py reads it (migration 0011_search).
    return not (
        kind in ("table", "index") and (name or "").startswith(("search_text", "ix_search"))
    )


def test_migrations_match_the_declared_schema(empty_db_url: str) -> None:
    db = Database(empty_db_url)
    try:
        db.migrate(migration_folders())
        with db.read() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": _declared})
            diff = compare_metadata(context, metadata)
        assert diff == []
        db.migrate(migration_folders())  # a second run is a no-op
    finally:
        db.dispose()


def test_a_database_with_items_and_phases_keeps_its_deadlines(empty_db_url: str) -> None:
    """0014: regions' phases give way to each nation's determinations. Open items keep
    their pending deadlines to the second, and take the precedence whose deadline is
    their region's old phase's, so that their next deadlines keep the same pace."""
    from alembic import command
    from sqlalchemy import text

    from kizuna.db.engine import alembic_config

    db = Database(empty_db_url)
    try:
        with db.write() as conn:
            config = alembic_config(migration_folders())
            config.attributes["connection"] = conn
            command.upgrade(config, "0013_coord_stated_due")
        regions = {"kyushu": "contingency", "southwest-islands": "gray_zone", "kanto": None}
        with db.write() as conn:
            for n, (region, phase) in enumerate(regions.items(), start=1):
                conn.execute(
                    text(
                        "INSERT INTO objects (pk, stix_id, type, origin, created_at) VALUES "
                        "(:pk, :id, 'x-kizuna-coordination-item', 'JPN', '2026-03-01T00:00:00Z')"
                    ),
                    {
                        "pk": n,
                        "id": f"x-kizuna-coordination-item--00000000-0000-4000-8000-{n:012d}",
                    },
                )
                conn.execute(
                    text(
                        "INSERT INTO coord_items (object_pk, state, tier, region, requesting_body,"
                        " counterpart_body, needs, updated_at) VALUES (:pk, 'proposed',"
                        " 'operational', :region, 'jjoc', 'usfj', 'USA', '2026-03-01T00:00:00Z')"
                    ),
                    {"pk": n, "region": region},
                )
                conn.execute(
                    text(
                        "INSERT INTO coord_steps (item_pk, number, reason, base_at, due_at,"
                        " status, from_tier) VALUES (:pk, 1, 'deadline', 1000, :due,"
                        " 'pending', 'operational')"
                    ),
                    {"pk": n, "due": 1000 + 1234 * n},
                )
                if phase:
                    conn.execute(
                        text(
                            "INSERT INTO coord_phases (region, phase, item_pk, changed_at)"
                            " VALUES (:region, :phase, NULL, '2026-03-01T00:00:00Z')"
                        ),
                        {"region": region, "phase": phase},
                    )
        db.migrate(migration_folders())
        with db.read() as conn:
            kept = conn.execute(
                text(
                    "SELECT i.region, i.precedence, s.due_at, s.status FROM coord_items i"
                    " JOIN coord_steps s ON s.item_pk = i.object_pk ORDER BY i.object_pk"
                )
            ).all()
        assert [tuple(r) for r in kept] == [
            ("kyushu", "FLASH", 1000 + 1234, "pending"),
            ("southwest-islands", "PRIORITY", 1000 + 2 * 1234, "pending"),
            ("kanto", "ROUTINE", 1000 + 3 * 1234, "pending"),
        ]
    finally:
        db.dispose()


def test_attachments_held_before_0018_are_found_by_their_file_names(empty_db_url: str) -> None:
    """0018 (walk 35): the index holds an attachment's file name; the attachments
    already held are indexed again, and the report beside them is left as it was."""
    from kizuna.domains.attachments.model import artifact

    db = Database(empty_db_url)
    try:
        _upgrade_to(db, "0017_meetings_evidence")
        file = artifact(data=b"a,b\n", mime_type="text/csv", sha256="0" * 64,
                        file_name="data.csv", object_ref="report--1")  # fmt: skip
        bodies = {1: file, 2: {"type": "report", "id": "report--1", "name": "Harbour"}}
        for pk, body in bodies.items():
            _hold(db, pk, body, "JPN")
        assert _indexed(db) == {1: "", 2: "Harbour"}
        db.migrate(migration_folders())
        assert _indexed(db) == {1: "data.csv", 2: "Harbour"}
    finally:
        db.dispose()


def test_notes_held_before_0019_are_found_by_their_content(empty_db_url: str) -> None:
    """0019 (walk: a US note "about Delta zebrafish" was not found): the index holds a
    note's content and an opinion's explanation; the versions already held that carry
    them are indexed again, and a report beside them is left as it was."""
    db = Database(empty_db_url)
    try:
        _upgrade_to(db, "0018_search_file_names")
        bodies: dict[int, dict[str, object]] = {
            1: {"type": "note", "id": "note--1", "content": "Delta zebrafish", "abstract": "US"},
            2: {"type": "opinion", "id": "opinion--1", "explanation": "Seen twice"},
            3: {"type": "report", "id": "report--1", "name": "Harbour"},
        }
        for pk, body in bodies.items():
            _hold(db, pk, body, "USA")
        assert _indexed(db) == {1: "", 2: "", 3: "Harbour"}
        db.migrate(migration_folders())
        assert _indexed(db) == {1: "Delta zebrafish US", 2: "Seen twice", 3: "Harbour"}
    finally:
        db.dispose()


def _indexed(db: Database) -> dict[int, str]:
    from sqlalchemy import text

    with db.read() as conn:
        rows = conn.execute(text("SELECT version_pk, text FROM search_text")).all()
    return {int(r.version_pk): " ".join(r.text.split()) for r in rows}


def test_glossary_keys_held_before_0002_find_a_term_however_its_words_are_joined(
    empty_db_url: str,
) -> None:
    """0002_glossary_joiners (walk 48: "gray zone" did not find "gray-zone situation"):
    the keys already held are folded again, hyphens and dashes as spaces; the Japanese
    and its long-vowel mark are left as they were."""
    from alembic import command
    from sqlalchemy import text

    from kizuna.db.engine import alembic_config

    db = Database(empty_db_url)
    try:
        with db.write() as conn:
            config = alembic_config(migration_folders())
            config.attributes["connection"] = conn
            command.upgrade(config, "0001_glossary")
        with db.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO objects (pk, stix_id, type, origin, created_at) VALUES (1,"
                    " 'x-kizuna-term--1', 'x-kizuna-term', 'JPN', '2026-03-01T00:00:00Z')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO glossary_terms (object_pk, ja_key, en_key, lookup, sort_ja,"
                    " status, updated_at) VALUES (1, 'ぐれーぞーん事態', 'gray-zone situation',"
                    " :lookup, 'ぐれーぞーんじたい', 'verified', '2026-03-01T00:00:00Z')"
                ),
                {"lookup": "\nぐれーぞーん事態\ngray-zone situation\nぐれーぞーんじたい\nc2–isr\n"},
            )
        db.migrate(migration_folders())
        with db.read() as conn:
            row = conn.execute(text("SELECT * FROM glossary_terms")).one()
        assert (row.ja_key, row.en_key, row.sort_ja) == (
            "ぐれーぞーん事態",
            "gray zone situation",
            "ぐれーぞーんじたい",
        )
        assert row.lookup == "\nぐれーぞーん事態\ngray zone situation\nぐれーぞーんじたい\nc2 isr\n"
    finally:
        db.dispose()


def test_0021_indexes_the_same_text_as_before(empty_db_url: str) -> None:
    """0021 (issue 12): PostgreSQL's trigger parses a version's JSON once instead of
    once a field; what it indexes is the same, field for field and in order."""
    from sqlalchemy import text

    attachment = "extension-definition--dd1ae6dd-7885-5ab7-ba6a-0897b83cffd8"
    fields = (
        "name", "name_ja", "description", "pattern", "content", "explanation",
        "question_ja", "legal_basis_ja",
    )  # fmt: skip
    body: dict[str, object] = {f: f"{f} 値 {n}" for n, f in enumerate(fields)}
    body |= {"type": "note", "labels": ["not indexed"], "confidence": 70}
    body["extensions"] = {attachment: {"file_name": "報告.pdf"}}

    db = Database(empty_db_url)
    try:
        _upgrade_to(db, "0020_peer_error_kind")
        _hold(db, 1, {**body, "id": "note--1"}, "USA")
        db.migrate(migration_folders())
        _hold(db, 2, {**body, "id": "note--2"}, "USA")
        with db.read() as conn:
            texts = (
                conn.execute(text("SELECT text FROM search_text ORDER BY version_pk"))
                .scalars()
                .all()
            )
        assert texts[0] == texts[1]
        words = texts[0].split()
        assert words[:3] == ["name", "値", "0"]
        assert words[-1] == "報告.pdf"
        assert "not" not in words
        assert "70" not in words
        if not db.is_sqlite:
            with db.read() as conn:
                source = conn.execute(
                    text("SELECT prosrc FROM pg_proc WHERE proname = 'search_text_index'")
                ).scalar_one()
            assert source.count("::jsonb") == 1, source
    finally:
        db.dispose()


def _upgrade_to(db: Database, revision: str) -> None:
    from alembic import command

    from kizuna.db.engine import alembic_config

    with db.write() as conn:
        config = alembic_config(migration_folders())
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _hold(db: Database, pk: int, body: dict[str, object], origin: str) -> None:
    """An object with one version, written as rows (the store of a revision before
    the newest cannot write them)."""
    import json

    from sqlalchemy import text

    with db.write() as conn:
        conn.execute(
            text(
                "INSERT INTO objects (pk, stix_id, type, origin, created_at) VALUES "
                "(:pk, :id, :type, :origin, '2026-03-01T00:00:00Z')"
            ),
            {"pk": pk, "id": body["id"], "type": body["type"], "origin": origin},
        )
        conn.execute(
            text(
                "INSERT INTO versions (pk, object_pk, number, modified, label, rank,"
                " rel_to, compartments, body, author, recorded_at) VALUES (:pk, :pk, 1,"
                " '2026-03-01T00:00:00Z', 'UNCLASSIFIED', 0, :origin, '', :body, 'test',"
                " '2026-03-01T00:00:00Z')"
            ),
            {"pk": pk, "body": json.dumps(body, ensure_ascii=False), "origin": origin},
        )
