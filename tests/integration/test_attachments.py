"""Attachments (issue 15): files stored as labelled STIX artifacts, on SQLite and
PostgreSQL. Upload, list and download through REST and the pages; every refusal
(too large, not an accepted type, SVG or HTML, a declared type that is not the
content's, bad base64, a wrong checksum) changes nothing and is audited; the generic
write paths cannot store an artifact; and the leak oracle: random principals and
labelled attachments, every read path (list, count, description, file, pages, the
htmx fragment) compared with `labels.can_read`."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.bootstrap import initialize, open_node
from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.attachments import queries
from kizuna.domains.attachments.model import EXTENSION, artifact, attached
from kizuna.domains.attachments.schema import att_files
from kizuna.domains.attachments.service import Upload, attachments, index
from kizuna.errors import NotFound
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.interchange.imports import import_objects
from kizuna.labels import Clearance, Label, can_read, dominates, lub, parse, render
from kizuna.runtime import Node
from kizuna.stix.markings import marking_id
from kizuna.stix.types import RECALL
from kizuna.taxii.collections import COLLECTIONS
from kizuna.web.app import create_app
from tests.conftest import drop_pg_database, make_pg_database, node_settings
from tests.factories import (
    PASSWORD,
    add_user,
    bearer,
    cookies,
    form_without_file,
    random_label,
    random_principal,
    report,
    sign_in,
)

TAXII = "application/taxii+json;version=2.1"


def png(red: int = 255) -> bytes:
    """A 1×1 PNG (a real one: browsers draw it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- a node with an author, a reader and objects to attach to -----------------------


@dataclass
class Desk:
    node: Node
    client: TestClient
    author: Principal
    token: str  # sato: JPN, SECRET, author and releasing officer
    reader_token: str  # tanaka: JPN, CONFIDENTIAL, reader
    report: str  # CONFIDENTIAL//REL TO JPN, USA
    hidden: str  # SECRET//CYBER//REL TO JPN: sato may not read it


@pytest.fixture
def desk(node: Node) -> Iterator[Desk]:
    sato, token = add_user(
        node, "sato", clearance="SECRET", roles=["author", "releasing_officer"],
        password="correct horse battery staple",
    )  # fmt: skip
    _, reader_token = add_user(node, "tanaka", clearance="CONFIDENTIAL")
    shared = node.store.create(
        node.system, report("Shared"), parse(node.policy, "CONFIDENTIAL//REL TO JPN, USA")
    )
    hidden = node.store.create(
        node.system, report("Hidden"), parse(node.policy, "SECRET//CYBER//REL TO JPN")
    )
    with TestClient(create_app(node)) as client:
        yield Desk(node, client, sato.principal, token, reader_token, shared.id, hidden.id)


def snapshot(node: Node) -> tuple[list[Any], list[Any]]:
    with node.db.read() as conn:
        stored = conn.execute(
            select(objects.c.stix_id, versions.c.number, versions.c.body)
            .join(versions, versions.c.object_pk == objects.c.pk)
            .order_by(objects.c.stix_id, versions.c.number)
        ).all()
        rows = conn.execute(select(att_files).order_by(att_files.c.object_pk)).all()
    return [tuple(r) for r in stored], [tuple(r) for r in rows]


def audited(node: Node, action: str) -> int:
    with node.db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == action)
            ).scalar_one()
        )


# -- upload, list, download ---------------------------------------------------------


def test_upload_list_and_download(desk: Desk) -> None:
    c, h = desk.client, bearer(desk.token)
    image = png()
    made = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("dot.png", image, "image/png")},
        data={"of": desk.report, "label": "SECRET"},
        headers=h,
    )
    assert made.status_code == 201, made.text
    first = made.json()
    # The least upper bound of the label chosen (SECRET, JPN) and the report's.
    assert first["label"] == "SECRET//REL TO JPN"
    assert first["of"] == desk.report
    assert first["sha256"] == hashlib.sha256(image).hexdigest()
    assert first["size"] == len(image)
    text = "会議の要旨\nline 2\n".encode()
    second = c.post(
        "/api/v1/attachments",
        json={
            "of": desk.report,
            "file_name": "要旨.txt",
            "mime_type": "text/plain; charset=utf-8",
            "payload_bin": b64(text),
            "sha256": hashlib.sha256(text).hexdigest(),
        },
        headers=h,
    )
    assert second.status_code == 201, second.text
    assert second.json()["label"] == "CONFIDENTIAL//REL TO JPN"
    pdf = c.post(
        "/api/v1/attachments",
        json={"of": desk.report, "file_name": "brief.pdf", "mime_type": "application/pdf",
              "payload_bin": b64(PDF)},
        headers=h,
    )  # fmt: skip
    assert pdf.status_code == 201, pdf.text

    listed = c.get("/api/v1/attachments", params={"of": desk.report}, headers=h).json()
    assert listed["total"] == 3
    assert [i["file_name"] for i in listed["items"]] == ["brief.pdf", "要旨.txt", "dot.png"]
    # tanaka (CONFIDENTIAL) reads the report and the two CONFIDENTIAL files, not the SECRET one.
    theirs = c.get(
        "/api/v1/attachments", params={"of": desk.report}, headers=bearer(desk.reader_token)
    ).json()
    assert theirs["total"] == 2
    assert {i["file_name"] for i in theirs["items"]} == {"brief.pdf", "要旨.txt"}
    hidden = c.get(f"/api/v1/attachments/{first['id']}", headers=bearer(desk.reader_token))
    assert hidden.status_code == 404

    got = c.get(f"/api/v1/attachments/{first['id']}/content", headers=h)
    assert got.status_code == 200
    assert got.content == image
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"].startswith("sandbox")
    assert got.headers["content-disposition"].startswith("inline;")
    got = c.get(f"/api/v1/attachments/{second.json()['id']}/content", headers=h)
    assert got.content == text
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.headers["content-disposition"] == (
        "inline; filename=\"__.txt\"; filename*=UTF-8''%E8%A6%81%E6%97%A8.txt"
    )
    got = c.get(f"/api/v1/attachments/{pdf.json()['id']}/content", headers=h)
    assert got.headers["content-disposition"].startswith("attachment;")
    # The artifact itself, as the generic API and STIX see it.
    stored = c.get(f"/api/v1/objects/{first['id']}", headers=h).json()["object"]
    assert stored["type"] == "artifact"
    assert stored["mime_type"] == "image/png"
    assert stored["hashes"] == {"SHA-256": first["sha256"]}
    assert stored["extensions"][EXTENSION]["object_ref"] == desk.report
    assert stored["extensions"][EXTENSION]["file_name"] == "dot.png"
    assert base64.b64decode(stored["payload_bin"]) == image


def test_the_same_file_attaches_twice(desk: Desk) -> None:
    h = bearer(desk.token)
    for _ in range(2):
        made = desk.client.post(
            "/api/v1/attachments/upload",
            files={"file": ("dot.png", png(), "image/png")},
            data={"of": desk.report},
            headers=h,
        )
        assert made.status_code == 201, made.text
    listed = desk.client.get("/api/v1/attachments", params={"of": desk.report}, headers=h)
    assert listed.json()["total"] == 2


def test_a_file_name_loses_the_controls_that_would_disguise_its_type(desk: Desk) -> None:
    """Walk 39: "報告書 ①\u202etxt.exe" was kept as sent: shown as "…exe.txt", saved
    as "…txt.exe". Bidirectional controls go, as control characters do."""
    made = desk.client.post(
        "/api/v1/attachments/upload",
        files={"file": ("報告書 ①\u202egnp.png\u2066", png(), "image/png")},
        data={"of": desk.report},
        headers=bearer(desk.token),
    )
    assert made.status_code == 201, made.text
    name = attached(desk.node.store.get(desk.node.system, made.json()["id"]).object)
    assert name is not None
    assert name.file_name == "報告書 ①gnp.png"
    # An attachment takes no file: its own list offers no form (walk 39).
    desk.client.cookies.clear()
    sign_in(desk.client, "sato", lang="en", password="correct horse battery staple")
    own = desk.client.get("/attachments", params={"of": made.json()["id"]})
    assert own.status_code == 200
    assert 'id="attach-form"' not in own.text
    assert 'id="attach-form"' in desk.client.get("/attachments", params={"of": desk.report}).text


def test_an_object_the_author_cannot_read_is_answered_like_one_that_does_not_exist(
    desk: Desk,
) -> None:
    h = bearer(desk.token)
    answers = []
    for target in (desk.hidden, f"report--{uuid.uuid4()}"):
        r = desk.client.post(
            "/api/v1/attachments/upload",
            files={"file": ("dot.png", png(), "image/png")},
            data={"of": target},
            headers=h,
        )
        listed = desk.client.get("/api/v1/attachments", params={"of": target}, headers=h)
        # Byte for byte the same answers, once the id the caller sent is taken out.
        answers.append(
            (r.status_code, r.text.replace(target, "?"), listed.text.replace(target, "?"))
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    assert audited(desk.node, "object.read.denied") >= 2  # the hidden one, twice


# -- refusals -------------------------------------------------------------------------

TOO_LARGE = 4096


def _refused_cases() -> list[tuple[str, dict[str, Any], int, str]]:
    """(name, request, status, the field named)."""
    big = png() + b"\x00" * TOO_LARGE
    return [
        ("too large", {"file": ("big.png", big, "image/png")}, 413, "file"),
        ("too large (base64)", {"json": ("big.png", "image/png", b64(big), None)}, 413, "file"),
        ("not accepted", {"file": ("x.bin", bytes(range(256)), "application/octet-stream")},
         415, "file"),
        ("svg", {"file": ("a.svg", SVG, "image/svg+xml")}, 415, "file"),
        ("svg as text", {"file": ("a.txt", SVG, "text/plain")}, 415, "file"),
        ("html", {"json": ("a.html", "text/html", b64(HTML), None)}, 415, "file"),
        ("type mismatch", {"file": ("dot.jpg", png(), "image/jpeg")}, 415, "mime_type"),
        ("declared as text", {"file": ("dot.txt", png(), "text/plain")}, 415, "mime_type"),
        ("bad base64", {"json": ("a.txt", "text/plain", "aGVsbG8*!", None)}, 422, "payload_bin"),
        ("checksum", {"json": ("a.txt", "text/plain", b64(b"hello"), "0" * 64)}, 422,
         "hashes.SHA-256"),
        ("empty", {"file": ("e.txt", b"", "text/plain")}, 422, "file"),
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "sent", "status", "field"), _refused_cases())
def test_a_refused_file_changes_nothing_and_is_audited(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, name: str, sent: dict[str, Any], status: int,
    field: str,
) -> None:  # fmt: skip
    desk.node.extras.pop("attachments", None)
    monkeypatch.setenv("KIZUNA_ATTACHMENT_MAX_BYTES", str(TOO_LARGE))
    assert attachments(desk.node).limit == TOO_LARGE
    before, refused = snapshot(desk.node), audited(desk.node, "refused")
    h = bearer(desk.token)
    if "file" in sent:
        r = desk.client.post(
            "/api/v1/attachments/upload", files=sent, data={"of": desk.report}, headers=h
        )
    else:
        file_name, mime, payload, sha = sent["json"]
        body = {"of": desk.report, "file_name": file_name, "mime_type": mime,
                "payload_bin": payload, "sha256": sha}  # fmt: skip
        r = desk.client.post("/api/v1/attachments", json=body, headers=h)
    assert r.status_code == status, (name, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field, r.text
    assert snapshot(desk.node) == before
    assert audited(desk.node, "refused") == refused + 1


def test_a_declared_length_over_the_limit_is_refused_before_the_form_is_read(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.node.extras.pop("attachments", None)
    monkeypatch.setenv("KIZUNA_ATTACHMENT_MAX_BYTES", "1000")
    r = desk.client.post(
        "/api/v1/attachments/upload",
        content=b"x" * 40_000,  # not even a form: never parsed
        headers={**bearer(desk.token), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413, r.text
    assert "at most 1000 bytes" in r.json()["detail"]


def test_the_file_limit_fits_the_node_body_limit(node: Node, tmp_path: Path) -> None:
    # An attachment is an object: as JSON (base64) it fits what every path accepts.
    mechanism = attachments(node)
    assert mechanism.limit <= node.settings.max_body_bytes * 3 // 4
    assert mechanism.limit > 700_000


# -- the generic write paths ------------------------------------------------------------


def _artifact_body(desk: Desk, data: bytes = b"plain text\n", **changes: Any) -> dict[str, Any]:
    body = artifact(data=data, mime_type="text/plain",
                    sha256=hashlib.sha256(data).hexdigest(), file_name="n.txt",
                    object_ref=desk.report)  # fmt: skip
    return {**body, **changes}


def test_no_generic_path_stores_an_artifact(desk: Desk) -> None:
    node, c, h = desk.node, desk.client, bearer(desk.token)
    everything = next(col for col in COLLECTIONS if col.key == "all")
    bodies = [
        _artifact_body(desk),  # a good one: still the attachments' own path only
        _artifact_body(desk, SVG, mime_type="image/svg+xml"),
        {**_artifact_body(desk), "hashes": {"SHA-256": "0" * 64}},
        {k: v for k, v in _artifact_body(desk).items() if k != "extensions"},
    ]
    for body in bodies:
        before, refused = snapshot(node), audited(node, "refused")
        r = c.post("/api/v1/objects", json={"object": body, "label": "SECRET"}, headers=h)
        assert r.status_code == 422, r.text
        assert "attachments" in r.json()["detail"]
        r = c.post(
            f"/taxii2/kizuna/collections/{everything.id}/objects/",
            content=json.dumps({"objects": [body]}),
            headers={**h, "Accept": TAXII, "Content-Type": TAXII},
        )
        assert r.status_code == 202, r.text
        assert r.json()["failure_count"] == 1, r.text
        [outcome] = import_objects(node.store, desk.author, [body], source="test")
        assert not outcome.ok
        assert "attachments" in outcome.message
        assert snapshot(node) == before
        assert audited(node, "refused") == refused + 3


def test_a_release_keeps_the_attachment_rules(desk: Desk) -> None:
    node, c, h = desk.node, desk.client, bearer(desk.token)
    made = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("dot.png", png(), "image/png")},
        data={"of": desk.report, "label": "CONFIDENTIAL//REL TO JPN, USA"},
        headers=h,
    ).json()
    assert made["label"] == "CONFIDENTIAL//REL TO JPN, USA"
    # Below the report's label: refused, nothing changes.
    before = snapshot(node)
    r = c.post(f"/api/v1/objects/{made['id']}/release",
               json={"label": "UNCLASSIFIED//REL TO JPN, USA"}, headers=h)  # fmt: skip
    assert r.status_code == 422, r.text
    assert "at least as restrictive" in r.json()["detail"]
    assert snapshot(node) == before
    # Narrower: a release decision like any other; the attachment is still listed once.
    r = c.post(f"/api/v1/objects/{made['id']}/release", json={"label": "SECRET"}, headers=h)
    assert r.status_code == 200, r.text
    listed = c.get("/api/v1/attachments", params={"of": desk.report}, headers=h).json()
    assert [(i["id"], i["label"]) for i in listed["items"]] == [(made["id"], "SECRET//REL TO JPN")]
    # A new version of its content is refused on the generic path.
    r = c.put(f"/api/v1/objects/{made['id']}", json={"object": {"mime_type": "image/gif"}},
              headers=h)  # fmt: skip
    assert r.status_code == 422, r.text


def test_who_attached_a_file_is_read_from_a_version_its_reader_may_read(desk: Desk) -> None:
    """A file attached at SECRET and released lower: a CONFIDENTIAL reader reads its
    second version, and is told the author of that version (the releasing node), never
    who wrote the first one he may not read; the author's own page still names him."""
    node, c = desk.node, desk.client
    made = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("drafted-high.txt", b"high\n", "text/plain")},
        data={"of": desk.report, "label": "SECRET//REL TO JPN, USA"},
        headers=bearer(desk.token),
    ).json()
    node.store.release(node.system, made["id"], parse(node.policy, "CONFIDENTIAL//REL TO JPN, USA"))
    tanaka = identity_principal(node, "tanaka")
    assert queries.attachment(node, tanaka, made["id"]).author == "system@JPN"
    assert queries.attachment(node, desk.author, made["id"]).author == "sato"
    listed = c.get("/api/v1/attachments", params={"of": desk.report},
                   headers=bearer(desk.reader_token)).json()  # fmt: skip
    assert [(i["id"], i["author"]) for i in listed["items"]] == [(made["id"], "system@JPN")]
    from tests.factories.coordination import sign_in_as

    sign_in_as(node, c, "tanaka", "en")
    page = c.get(f"/attachments/{made['id']}")
    assert page.status_code == 200
    assert "drafted-high.txt" in page.text
    assert "sato" not in page.text


def test_narrowing_an_object_narrows_its_files_on_every_read_path(desk: Desk) -> None:
    """Walk 35: a report narrowed to this nation left its file releasable to the
    partner, found by the partner's search, objects list and TAXII feed. A file goes
    where its object goes: the release narrows each of this node's files that the new
    label does not dominate, as the node (audited, with a recall for the partner),
    including one the officer may not read; a file already as restrictive is left."""
    from kizuna.store.search import search

    node, c, h = desk.node, desk.client, bearer(desk.token)
    policy = node.policy
    shared = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("shared-plan.png", png(), "image/png")},
        data={"of": desk.report, "label": "CONFIDENTIAL//REL TO JPN, USA"},
        headers=h,
    ).json()
    own = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("own-notes.txt", b"ours\n", "text/plain")},
        data={"of": desk.report, "label": "SECRET"},
        headers=h,
    ).json()
    # A file sato (SECRET, no CYBER) may not read, releasable to the partner.
    above = attachments(node).attach(node.system, Upload(
        of=desk.report, file_name="above.txt", mime_type="text/plain",
        label="SECRET//CYBER//REL TO JPN, USA", data=b"above\n",
    ))  # fmt: skip
    partner = Principal(
        name="peer@USA",
        clearance=Clearance(nation="USA", rank=policy.highest.rank,
                            compartments=frozenset(policy.compartments)),
        kind="peer",
    )  # fmt: skip

    def partner_sees() -> set[str]:
        listed = {o.id for o in node.store.list(partner, type="artifact").items}
        for words in ("png", "txt"):
            listed |= {hit.obj.id for hit in search(node.store, partner, words).hits}
        return listed

    assert partner_sees() == {shared["id"], above.id}
    r = c.post(f"/api/v1/objects/{desk.report}/release",
               json={"label": "CONFIDENTIAL//REL TO JPN"}, headers=h)  # fmt: skip
    assert r.status_code == 200, r.text
    # The officer is told of the report only.
    assert above.id not in r.text
    assert shared["id"] not in r.text

    def label_of(stix_id: str) -> tuple[str, int]:
        got = node.store.get(node.system, stix_id)
        return render(policy, got.label), got.version

    assert label_of(shared["id"]) == ("CONFIDENTIAL//REL TO JPN", 2)
    assert label_of(above.id) == ("SECRET//CYBER//REL TO JPN", 2)
    assert label_of(own["id"]) == ("SECRET//REL TO JPN", 1)
    assert partner_sees() == set()
    # The partner's TAXII collection no longer offers them; a recall travels for each.
    with node.db.read() as conn:
        entries = conn.execute(
            select(audit_log.c.actor, audit_log.c.target, audit_log.c.detail)
            .where(audit_log.c.action == "object.release")
            .order_by(audit_log.c.seq)
        ).all()
    followed = {(e.target, json.loads(e.detail).get("follows")) for e in entries
                if e.actor == "system@JPN"}  # fmt: skip
    assert followed == {(shared["id"], desk.report), (above.id, desk.report)}
    recalled = node.store.list(node.system, type="x-kizuna-recall").items
    recalls = {o.object["object_ref"] for o in recalled}
    assert {desk.report, shared["id"], above.id} <= recalls
    # The list on the report's page is unchanged for sato: his file is still there.
    listed = c.get("/api/v1/attachments", params={"of": desk.report}, headers=h).json()
    assert {i["id"] for i in listed["items"]} == {shared["id"], own["id"]}
    # Who attached it is still sato, not the node that narrowed it (walk 36).
    assert queries.attachment(node, desk.author, shared["id"]).author == "sato"


def test_the_search_finds_an_attachment_by_its_file_name(desk: Desk) -> None:
    """Walk 35: the search offered "Attachment" and found none. An attachment is found
    by its file name (each version of it: a release too), through the visibility
    condition: a reader who may not read the file finds nothing."""
    from kizuna.store.listing import readable_targets
    from kizuna.store.search import search

    node, c, h = desk.node, desk.client, bearer(desk.token)
    red = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("red.png", png(), "image/png")},
        data={"of": desk.report, "label": "SECRET"},
        headers=h,
    ).json()
    data = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("data.csv", b"a,b\n1,2\n", "text/csv")},
        data={"of": desk.report},
        headers=h,
    ).json()
    assert (red["label"], data["label"]) == ("SECRET//REL TO JPN", "CONFIDENTIAL//REL TO JPN")

    def found(who: Principal, query: str, type: str | None = None) -> set[str]:
        return {hit.obj.id for hit in search(node.store, who, query, type=type).hits}

    sato = desk.author
    assert found(sato, "red.png") == {red["id"]}
    # Its title is its file name, in SQL (the objects list, references) as in Python.
    titles = readable_targets(node.store, sato, [red["id"], data["id"]])
    assert {i: t.title for i, t in titles.items()} == {red["id"]: "red.png", data["id"]: "data.csv"}
    assert found(sato, "data.csv") == {data["id"]}
    assert found(sato, "png") == {red["id"]}
    assert found(sato, "red", type="artifact") == {red["id"]}
    # tanaka (CONFIDENTIAL) finds the file he may read, not the SECRET one.
    tanaka = identity_principal(node, "tanaka")
    assert found(tanaka, "png") == found(tanaka, "red.png") == set()
    assert found(tanaka, "data.csv") == {data["id"]}
    # Released (a new version), it is still found by its name.
    released = c.post(f"/api/v1/objects/{data['id']}/release", json={"label": "SECRET"}, headers=h)
    assert released.status_code == 200, released.text
    assert found(sato, "data.csv") == {data["id"]}
    # tanaka may read neither any more: nothing found, nothing counted.
    assert found(tanaka, "data.csv") == set()
    assert search(node.store, tanaka, "csv").total == search(node.store, tanaka, "png").total == 0
    # The page: the file's name is its title and the snippet holds it.
    sign_in(c, "sato", lang="en")
    page = c.get("/search", params={"q": "red.png"}).text
    assert "1 object found" in page
    assert re.search(rf'<a href="/objects/{red["id"]}">red.png</a>', page)
    # Walk 37: a file (a STIX observable: no created, no modified) read "Attachment · —";
    # it gives when this node recorded it.
    meta = page.split(f'href="/objects/{red["id"]}"', 1)[1].split("</span>", 1)[0]
    assert "<time datetime=" in meta
    assert "0 objects found" in c.get("/search", params={"q": "png", "type": "report"}).text


def identity_principal(node: Node, name: str) -> Principal:
    with node.db.read() as conn:
        user = identity.find_user(conn, name)
    assert user is not None
    return user.principal


# -- pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pages_upload_show_and_refuse_in_the_readers_language(desk: Desk, lang: str) -> None:
    c = desk.client
    token = sign_in(c, "sato", lang=lang)
    page = c.get("/attachments", params={"of": desk.report})
    assert page.status_code == 200
    assert ("添付ファイル" if lang == "ja" else "Attachments") in page.text
    # The object the files are attached to goes by its title (walk 35 #8), not its id.
    attached_to = re.compile(r'id="attached-to">([^<]*)<')
    assert attached_to.findall(page.text) == ["Shared"]
    sent = c.post(
        f"/attachments?of={desk.report}",
        files={"file": ("dot.png", png(), "image/png")},
        data={"csrf_token": token, "of": desk.report, "label": ""},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    shown = c.get(sent.headers["location"])
    assert shown.status_code == 200
    assert 'id="attachment-image"' in shown.text
    assert attached_to.findall(shown.text) == ["Shared"]
    assert re.search(r'<img src="/attachments/artifact--[0-9a-f-]+/content"', shown.text)
    content = c.get(sent.headers["location"] + "/content")
    assert content.content == png()
    assert content.headers["content-security-policy"].startswith("sandbox")
    refused = c.post(
        f"/attachments?of={desk.report}",
        files={"file": ("a.svg", SVG, "image/svg+xml")},
        data={"csrf_token": token, "of": desk.report, "label": "SECRET"},
    )
    assert refused.status_code == 415
    expected = "ブラウザ内で実行され得る" if lang == "ja" else "which can run in a browser"
    assert expected in refused.text
    assert 'value="SECRET"' in refused.text  # the label comes back as typed
    forged = c.post(
        f"/attachments?of={desk.report}",
        files={"file": ("dot.png", png(), "image/png")},
        data={"csrf_token": "forged", "of": desk.report},
    )
    assert forged.status_code == 403


@pytest.mark.parametrize(
    ("lang", "said"),
    [("ja", "ファイル：ファイルを選んでください。"), ("en", "File: choose a file.")],
)
def test_a_form_sent_without_a_file_says_to_choose_one(desk: Desk, lang: str, said: str) -> None:
    """Walk 31: it said the file needed a name of 1 to 255 characters."""
    c = desk.client
    token = sign_in(c, "sato", lang=lang)
    before = snapshot(desk.node)
    sent = c.post(
        f"/attachments?of={desk.report}",
        **form_without_file({"csrf_token": token, "of": desk.report, "label": "SECRET"}),
    )
    assert sent.status_code == 422
    assert f'id="attach-error">{said}</p>' in sent.text
    assert 'id="attach-form"' in sent.text
    assert 'value="SECRET"' in sent.text  # the form comes back as it was filled
    assert snapshot(desk.node) == before


def test_the_fragment_swaps_the_banners_to_what_the_page_then_shows(desk: Desk) -> None:
    c = desk.client
    c.post(
        "/api/v1/attachments/upload",
        files={"file": ("dot.png", png(), "image/png")},
        data={"of": desk.report, "label": "SECRET"},
        headers=bearer(desk.token),
    )
    sign_in(c, "sato", lang="en")
    part = c.get(
        "/attachments",
        params={"of": desk.report, "banner": "CONFIDENTIAL//REL TO JPN, USA"},
        headers={"HX-Request": "true"},
    )
    assert part.status_code == 200
    assert "<html" not in part.text
    assert 'id="attachments"' in part.text
    assert part.text.count('hx-swap-oob="true"') == 2
    assert re.search(r'id="banner-top" hx-swap-oob="true"[^>]*>SECRET//REL TO JPN<', part.text)
    # Without htmx: the whole page, with its own banners.
    whole = c.get("/attachments", params={"of": desk.report})
    assert "<html" in whole.text
    assert "hx-swap-oob" not in whole.text


def test_the_fragment_never_shows_a_banner_its_reader_may_not_read(desk: Desk) -> None:
    """Walk: tanaka (CONFIDENTIAL) passed `banner=TOP SECRET//CYBER` in the panel's URL
    and both banners read 機密//CYBER//提供可：日本. The value only adds to the labels the
    server knows, and must be a label she may read: anything else is refused, naming it,
    and nothing is swapped. Walk 47: the same URL loaded without htmx (the whole page)
    answered 200 and ignored the value; the rule is the same there, and for an object
    that takes no file."""
    c = desk.client
    marking = marking_id(desk.node.policy, desk.node.store.get(desk.node.system, desk.report).label)
    with desk.node.db.write() as conn:
        user = identity.find_user(conn, "tanaka")
        assert user is not None
        c.cookies.set(cookies(c).session, identity.start_session(conn, user))
    c.cookies.set(cookies(c).lang, "ja")

    def panel(banner: str, of: str = desk.report) -> Any:
        return c.get("/attachments", params={"of": of, "banner": banner},
                     headers={"HX-Request": "true"})  # fmt: skip

    def whole(banner: str) -> Any:
        return c.get("/attachments", params={"of": desk.report, "banner": banner})

    for forged in (
        "TOP SECRET//CYBER",  # this node's nation only, and above her clearance
        "機密",  # a bare level above her clearance
        "TOP SECRET//CYBER//REL TO JPN",
        "SECRET//REL TO JPN, USA",  # above her clearance
        "CONFIDENTIAL//REL TO USA",  # not releasable to her nation
        "SECRET//NOPE//REL TO JPN",
    ):
        for refused in (panel(forged), whole(forged), panel(forged, marking)):
            assert refused.status_code == 422, forged
            assert "hx-swap-oob" not in refused.text
            assert "機密" not in refused.text
            assert "このページの秘密区分：閲覧できる区分ではありません。" in refused.text
    for shown, expected in (
        ("CONFIDENTIAL//REL TO JPN, USA", "秘//提供可：日本、米国"),
        ("秘//提供可：日本", "秘//提供可：日本"),
        # A bare level is a label (README): this node's nation only (walk 46).
        ("CONFIDENTIAL", "秘//提供可：日本"),
        ("秘", "秘//提供可：日本"),
        (desk.node.policy.lowest.ja, "秘//提供可：日本、米国"),
        (desk.node.policy.lowest.name, "秘//提供可：日本、米国"),
    ):
        part = panel(shown)
        assert part.status_code == 200, shown
        top = re.search(r'id="banner-top" hx-swap-oob="true"[^>]*>([^<]+)<', part.text)
        assert top is not None
        assert top.group(1) == expected, shown
        # The whole page judges it too, and is a page of its own: its banners are those
        # of what it shows.
        page = whole(shown)
        assert page.status_code == 200, shown
        assert "hx-swap-oob" not in page.text
        top = re.search(r'id="banner-top"[^>]*>([^<]+)<', page.text)
        assert top is not None
        assert top.group(1) == "秘//提供可：日本、米国", shown
        assert panel(shown, marking).text == ""


def _panel(page: str) -> str:
    """The URL an object page loads its attachments panel from (htmx, on load)."""
    found = re.search(r'<div hx-get="([^"]+)" hx-trigger="load" hx-swap="outerHTML"', page)
    assert found is not None, "no attachments panel"
    return html.unescape(found.group(1))


def test_every_object_page_leads_to_the_files_its_reader_may_read(desk: Desk) -> None:
    """Walk 31: a report's page showed no attachments and no way to attach one."""
    c = desk.client
    made = {}
    for name, kind, data, label in (
        ("secret.png", "image/png", png(), "SECRET"),
        ("brief.pdf", "application/pdf", PDF, ""),
    ):
        sent = c.post(
            "/api/v1/attachments/upload",
            files={"file": (name, data, kind)},
            data={"of": desk.report, "label": label},
            headers=bearer(desk.token),
        )
        assert sent.status_code == 201, sent.text
        made[name] = sent.json()["id"]
    add_user(desk.node, "suzuki", clearance="CONFIDENTIAL", password=PASSWORD)
    for who, seen in (("sato", {"secret.png", "brief.pdf"}), ("suzuki", {"brief.pdf"})):
        c.cookies.clear()
        sign_in(c, who, lang="en")
        page = c.get(f"/objects/{desk.report}")
        assert page.status_code == 200
        url = _panel(page.text)
        assert url.startswith(f"/attachments?of={desk.report}&banner=")
        part = c.get(url, headers={"HX-Request": "true"})
        assert part.status_code == 200
        assert set(re.findall(r'hx-boost="false">([^<]+)</a></td>', part.text)) == seen, who
        assert f"Attachments you may read: {len(seen)}<" in part.text
        shown_ids = set(re.findall(r'href="/attachments/(artifact--[0-9a-f-]+)"', part.text))
        assert shown_ids == {made[n] for n in seen}
        # The banner is raised to what the panel adds, no higher than the reader's files.
        top = re.search(r'id="banner-top" hx-swap-oob="true"[^>]*>([^<]+)<', part.text)
        assert top is not None
        expected = "SECRET//REL TO JPN" if who == "sato" else "CONFIDENTIAL//REL TO JPN"
        assert top.group(1) == expected
        # sato writes here (author of this node's nation): the panel offers to attach.
        assert ('href="/attachments?of=' in part.text and "Attach a file" in part.text) == (
            who == "sato"
        )
    # An attachment's own page takes no file: its panel, asked for, is nothing at all
    # (its page asks for none: the test below).
    c.cookies.clear()
    sign_in(c, "sato", lang="en")
    own = f"/attachments?of={made['brief.pdf']}&banner=UNCLASSIFIED"
    assert c.get(own, headers={"HX-Request": "true"}).text == ""
    # An object the reader may not read: the panel answers as for one that does not exist.
    hidden = c.get(f"/attachments?of={desk.hidden}", headers={"HX-Request": "true"})
    assert hidden.status_code == 404


def test_an_object_that_takes_no_file_shows_no_attachments_panel(desk: Desk) -> None:
    """Walk 47: a label marking's page loaded the attachments panel ("添付ファイル",
    "0 件"), though it takes no file and shows none; the attachments domain's rule names
    attachments and recalls too. Their pages show no panel and no link to one; a
    report's page still does."""
    c = desk.client
    sent = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("brief.pdf", PDF, "application/pdf")},
        data={"of": desk.report},
        headers=bearer(desk.token),
    )
    assert sent.status_code == 201, sent.text
    shared = desk.node.store.get(desk.node.system, desk.report).label
    # A narrowing release recalls the earlier version from the partner.
    desk.node.store.release(
        desk.author, desk.report, parse(desk.node.policy, "CONFIDENTIAL//REL TO JPN")
    )
    with desk.node.db.read() as conn:
        recalls = list(
            conn.execute(select(objects.c.stix_id).where(objects.c.type == RECALL)).scalars()
        )
    assert len(recalls) == 1
    sign_in(c, "sato", lang="ja", password="correct horse battery staple")
    for stix_id in (marking_id(desk.node.policy, shared), sent.json()["id"], recalls[0]):
        page = c.get(f"/objects/{stix_id}")
        assert page.status_code == 200, stix_id
        assert 'id="attachments-panel"' not in page.text, stix_id
        assert "/attachments?of=" not in page.text, stix_id
    assert 'id="attachments-panel"' in c.get(f"/objects/{desk.report}").text


# -- the leak oracle ----------------------------------------------------------------------

TARGETS = 40
ATTACHED = 120
PARTNER_FILES = 10
READERS = 30
SEED = 20261205


@dataclass
class World:
    node: Node
    targets: dict[str, Label]  # object id -> its current label
    files: dict[str, tuple[str, Label, bytes]]  # attachment id -> (object id, label, bytes)
    readers: dict[str, tuple[Principal, str, str]]  # name -> (principal, token, session)

    def may_read(self, who: Principal, attachment_id: str) -> bool:
        target, label, _ = self.files[attachment_id]
        return can_read(who.clearance, label) and can_read(who.clearance, self.targets[target])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("attachments-oracle")
    cleanup = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'oracle.db'}"
    else:
        admin = request.getfixturevalue("pg_server")
        url, name = make_pg_database(admin)
        cleanup = (admin, name)
    try:
        settings = node_settings(url, Path(tmp))
        initialize(settings, nation="JPN")
        node = open_node(settings)
        rng = random.Random(SEED)
        system, policy = node.system, node.policy
        targets: dict[str, Label] = {}
        for i in range(TARGETS):
            label = random_label(rng, node)
            targets[node.store.create(system, report(f"t{i}"), label).id] = label
        files: dict[str, tuple[str, Label, bytes]] = {}
        mechanism = attachments(node)
        for i in range(ATTACHED):
            target = rng.choice(sorted(targets))
            chosen = random_label(rng, node)
            data = png(i % 256) if i % 2 else f"file {i}\n".encode()
            made = mechanism.attach(system, Upload(
                of=target, file_name=f"f{i}.{'png' if i % 2 else 'txt'}",
                mime_type="image/png" if i % 2 else "text/plain",
                label=render(policy, chosen), data=data,
            ))  # fmt: skip
            expected = lub([chosen, targets[target]])
            assert made.label == expected
            assert dominates(made.label, targets[target])
            files[made.id] = (target, made.label, data)
        # Files the partner attached to objects it may read: only its node versions them.
        # On the objects with the fewest bounds, so that readers who may read a partner's
        # file and not its object (once narrowed) are sure to exist.
        shared = sorted(
            (t for t, label in targets.items() if "USA" in label.rel_to),
            key=lambda t: (targets[t].rank, len(targets[t].compartments), t),
        )
        partner_targets = shared[: PARTNER_FILES // 2]
        with node.db.write() as conn:
            for i in range(PARTNER_FILES):
                target = partner_targets[i % len(partner_targets)]
                data = f"partner file {i}\n".encode()
                body = artifact(data=data, mime_type="text/plain",
                                sha256=hashlib.sha256(data).hexdigest(),
                                file_name=f"p{i}.txt", object_ref=target)  # fmt: skip
                arrived = node.store.accept_in(
                    conn, body=body, label=targets[target], origin="USA", author="peer@USA",
                    version=1,
                )  # fmt: skip
                assert arrived is not None
                index(conn, arrived)
                files[arrived.id] = (target, targets[target], data)
        # Some objects are narrowed after their files were attached: this node's files
        # go with them (each to the least upper bound of its label and the new one); the
        # partner's stay as they are, and the queries hide them with their object.
        narrowed = set(rng.sample(sorted(targets), TARGETS // 5)) | set(partner_targets[:2])
        for target in sorted(narrowed):
            narrower = Label(policy.highest.rank, frozenset({"JPN"}), targets[target].compartments)
            if narrower == targets[target]:
                continue
            node.store.release(system, target, narrower)
            targets[target] = narrower
            for a, (t, label, data) in files.items():
                if t == target and node.store.get(system, a).origin == "JPN":
                    joined = lub([label, narrower])
                    assert joined is not None
                    files[a] = (t, joined, data)
        readers = {}
        with node.db.write() as conn:
            for i in range(READERS):
                who = random_principal(rng, node, i)
                user = identity.add_user(
                    conn, policy=policy, actor="test", username=who.name, nation=who.nation,
                    clearance=policy.level(who.clearance.rank).name,
                    compartments=sorted(who.clearance.compartments),
                )  # fmt: skip
                token = identity.issue_token(conn, user=user, actor="test")
                readers[who.name] = (who, token, identity.start_session(conn, user))
        yield World(node, targets, files, readers)
        node.db.dispose()
    finally:
        if cleanup:
            drop_pg_database(*cleanup)


def test_the_oracle_data_exercises_the_rule(world: World) -> None:
    seen = [
        sum(world.may_read(who, a) for a in world.files) for who, _, _ in world.readers.values()
    ]
    assert min(seen) == 0
    assert max(seen) > ATTACHED // 8
    # Every file of this node is at least as restrictive as its object, narrowed or not.
    node = world.node
    for a, (t, label, _) in world.files.items():
        stored = node.store.get(node.system, a)
        assert stored.label == label
        if stored.origin == "JPN":
            assert dominates(label, world.targets[t])
    # Some files are readable while their object is not (the partner's, on an object
    # narrowed later): hidden too.
    assert any(
        can_read(who.clearance, label) and not can_read(who.clearance, world.targets[t])
        for who, _, _ in world.readers.values()
        for t, label, _ in world.files.values()
    )


def test_queries_return_exactly_what_the_oracle_allows(world: World) -> None:
    node = world.node
    rng = random.Random(SEED + 3)
    for who, _, _ in world.readers.values():
        for target, label in world.targets.items():
            expected = {
                a for a, (t, _, _) in world.files.items() if t == target and world.may_read(who, a)
            }
            if not can_read(who.clearance, label):
                with pytest.raises(NotFound):
                    queries.listing(node, who, target)
                continue
            found = queries.listing(node, who, target)
            assert {row.id for row in found.items} == expected
            assert found.total == len(expected)
        # A third of the files a reader, drawn afresh for each: every file is asked
        # for by about ten readers of all clearances, at a third of the queries.
        for attachment_id in rng.sample(sorted(world.files), ATTACHED // 3):
            _, label, data = world.files[attachment_id]
            if world.may_read(who, attachment_id):
                row, got = queries.content(node, who, attachment_id)
                assert (row.label, got) == (label, data)
                assert queries.attachment(node, who, attachment_id).label == label
                # Who attached it: the author of a version the reader may read.
                readable = node.store.history(who, attachment_id)
                assert row.author == readable[0].author
            else:
                with pytest.raises(NotFound):
                    queries.content(node, who, attachment_id)
                with pytest.raises(NotFound):
                    queries.attachment(node, who, attachment_id)


@pytest.fixture(scope="module")
def web(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.node)) as client:
        yield client


def test_the_generic_read_paths_show_a_file_only_with_its_object(world: World) -> None:
    """Walk 39: a partner's file on an object this node narrowed was hidden by the
    attachment pages only; the object's own page and REST, the objects list, search
    and TAXII served it to a reader the narrowed object leaves out. Every path now
    reads it only with its object: `store.get`, `store.list` and search (which every
    page, REST route and TAXII collection read through)."""
    from kizuna.store.search import search

    node = world.node
    partner_files = {a for a in world.files if node.store.get(node.system, a).origin == "USA"}
    narrowed = {a for a in partner_files if "USA" not in world.targets[world.files[a][0]].rel_to}
    assert narrowed  # the world narrows objects that carry a partner's file
    for who, _, _ in world.readers.values():
        expected = {a for a in world.files if world.may_read(who, a)}
        listed: set[str] = set()
        cursor = None
        while True:
            page = node.store.list(who, type="artifact", limit=500, cursor_token=cursor)
            listed |= {o.id for o in page.items}
            cursor = page.next
            if cursor is None:
                break
        assert listed == expected, who.name
        for a in narrowed:
            if world.may_read(who, a):
                assert node.store.get(who, a).id == a
            else:
                with pytest.raises(NotFound):
                    node.store.get(who, a)
    # Search, by each narrowed file's own name, for a few readers.
    for who, _, _ in list(world.readers.values())[:6]:
        for a in narrowed:
            name = attached(node.store.get(node.system, a).object)
            assert name is not None
            hits = {h.obj.id for h in search(node.store, who, name.file_name).hits}
            assert (a in hits) == world.may_read(who, a), (who.name, a)


def test_rest_returns_exactly_what_the_oracle_allows(world: World, web: TestClient) -> None:
    rng = random.Random(SEED + 1)
    for who, token, _ in world.readers.values():
        h = bearer(token)
        # The queries above are checked whole; here, that REST answers with them, for
        # half the objects a reader (each object still asked for by about fifteen).
        for target in rng.sample(sorted(world.targets), TARGETS // 2):
            label = world.targets[target]
            r = web.get("/api/v1/attachments", params={"of": target}, headers=h)
            if not can_read(who.clearance, label):
                assert r.status_code == 404
                continue
            expected = {
                a for a, (t, _, _) in world.files.items() if t == target and world.may_read(who, a)
            }
            body = r.json()
            assert {i["id"] for i in body["items"]} == expected
            assert body["total"] == len(expected)
        for attachment_id in rng.sample(sorted(world.files), 25):
            allowed = world.may_read(who, attachment_id)
            meta = web.get(f"/api/v1/attachments/{attachment_id}", headers=h)
            content = web.get(f"/api/v1/attachments/{attachment_id}/content", headers=h)
            assert (meta.status_code, content.status_code) == (
                (200, 200) if allowed else (404, 404)
            )
            if allowed:
                assert content.content == world.files[attachment_id][2]


def test_pages_show_exactly_what_the_oracle_allows(world: World, web: TestClient) -> None:
    rng = random.Random(SEED + 2)
    session_cookie = cookies(web).session
    for name, (who, _, session) in list(world.readers.items())[:12]:
        web.cookies.clear()
        web.cookies.set(session_cookie, session)
        for target, label in world.targets.items():
            for htmx in (False, True):
                r = web.get(
                    "/attachments",
                    params={"of": target},
                    headers={"HX-Request": "true"} if htmx else {},
                )
                if not can_read(who.clearance, label):
                    assert r.status_code == 404, name
                    continue
                shown = set(re.findall(r'href="/attachments/(artifact--[0-9a-f-]+)"', r.text))
                expected = {
                    a for a, (t, _, _) in world.files.items()
                    if t == target and world.may_read(who, a)
                }  # fmt: skip
                assert shown == expected, (name, target)
                assert f"{len(expected)}" in re.search(
                    r'id="attachments-count">([^<]*)<', r.text
                ).group(1)  # type: ignore[union-attr]
        for attachment_id in rng.sample(sorted(world.files), 20):
            allowed = world.may_read(who, attachment_id)
            page = web.get(f"/attachments/{attachment_id}")
            content = web.get(f"/attachments/{attachment_id}/content")
            assert (page.status_code, content.status_code) == (
                (200, 200) if allowed else (404, 404)
            )
            if allowed:
                assert world.files[attachment_id][2] == content.content
    web.cookies.clear()


def test_an_attachments_object_page_names_its_properties_in_the_readers_words(
    desk: Desk,
) -> None:
    """Walk 36: /objects/artifact--… listed hashes, mime_type, payload_bin, file_name
    and extension_type by their STIX names on a Japanese page."""
    c = desk.client
    made = c.post(
        "/api/v1/attachments/upload",
        files={"file": ("notes.txt", b"notes\n", "text/plain")},
        data={"of": desk.report},
        headers=bearer(desk.token),
    ).json()
    sign_in(c, "sato", lang="ja")
    page = c.get(f"/objects/{made['id']}").text
    names = re.findall(r'<dt title="([a-z_]+)">([^<]*)</dt>', page)
    shown = dict(names)
    assert shown["mime_type"] == "ファイルの種類"
    assert shown["payload_bin"] == "ファイルの内容（Base64）"
    assert shown["hashes"] == "チェックサム"
    assert all(key != words for key, words in names), names
    # The content is named by its size, not embedded twice (walk 39: a 780 KB file
    # made a 2 MB page).
    assert b64(b"notes\n") not in page
    assert f"… (6 bytes: /attachments/{made['id']}/content)" in page


@pytest.mark.parametrize("size", [99, 100, 101, 102, 103])
def test_a_base64_file_over_the_limit_is_named_by_its_own_size(size: int) -> None:
    """Walk 39: a file one byte over the limit sent as base64 was said to be two bytes
    larger than it was (its padding counted)."""
    from kizuna.domains.attachments.content import AttachmentRefused, decode

    payload = b64(b"x" * size)
    if size <= 100:
        assert len(decode(payload, limit=100)) == size
        return
    with pytest.raises(AttachmentRefused, match=f"the file is {size} bytes"):
        decode(payload, limit=100)


def test_a_page_upload_over_the_limit_with_of_in_the_body_is_said_not_404(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walk 39: a form that names its object in the body only (not the page's own,
    which puts `of` in the address) answered 404 for a file over the limit. A file
    read and found too large comes back on its object's list; a body refused before
    it is read says why on a page of its own."""
    desk.node.extras.pop("attachments", None)
    monkeypatch.setenv("KIZUNA_ATTACHMENT_MAX_BYTES", "1000")
    c = desk.client
    token = sign_in(c, "sato", lang="en")
    read = c.post(
        "/attachments",
        files={"file": ("big.txt", b"x" * 1500, "text/plain")},
        data={"csrf_token": token, "of": desk.report, "label": ""},
    )
    assert read.status_code == 413
    assert "An attachment may be at most" in read.text
    assert 'id="attached-to">Shared<' in read.text
    unread = c.post(
        "/attachments",
        files={"file": ("big.txt", b"x" * 90_000, "text/plain")},
        data={"csrf_token": token, "of": desk.report, "label": ""},
    )
    assert unread.status_code == 413
    assert "An attachment may be at most" in unread.text
    assert "Sign out" in unread.text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", "このオブジェクトにはファイルを添付できません。"),
        ("en", "This object takes no file: an attachment, a label marking or a recall"),
    ],
)
def test_a_file_sent_to_an_object_that_takes_none_says_why(
    desk: Desk, lang: str, said: str
) -> None:
    """Walk 40: a file sent from the page to an artifact or a marking definition came
    back as a 422 page with no reason: the list offers no form, and the reason went
    with it."""
    c = desk.client
    token = sign_in(c, "sato", lang=lang)
    sent = c.post(
        f"/attachments?of={desk.report}",
        files={"file": ("dot.png", png(), "image/png")},
        data={"csrf_token": token, "of": desk.report, "label": ""},
        follow_redirects=False,
    )
    artifact_id = sent.headers["location"].rsplit("/", 1)[1]
    before = snapshot(desk.node)
    refused = c.post(
        f"/attachments?of={artifact_id}",
        files={"file": ("dot.png", png(), "image/png")},
        data={"csrf_token": token, "of": artifact_id, "label": ""},
    )
    assert refused.status_code == 422
    assert re.search(rf'id="attach-error">{said}', refused.text)
    assert 'id="attach-form"' not in refused.text
    # A label marking the report carries: the same.
    marking = marking_id(desk.node.policy, desk.node.store.get(desk.author, desk.report).label)
    refused = c.post(
        f"/attachments?of={marking}",
        files={"file": ("dot.png", png(), "image/png")},
        data={"csrf_token": token, "of": marking, "label": ""},
    )
    assert refused.status_code == 422
    assert re.search(rf'id="attach-error">{said}', refused.text)
    assert snapshot(desk.node) == before
