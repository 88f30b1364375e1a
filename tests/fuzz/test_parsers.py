"""Fuzzing of what reads outside input: the label parser, the summary importer, the STIX
importer and the TAXII envelope parser. Whatever arrives, the answer is a result or a named refusal:
never an exception that escapes (a traceback on the command line, a 500 on the web).

CI runs a bounded number of examples (KIZUNA_FUZZ_EXAMPLES, default 60 per test, a
few seconds in all); `make fuzz` runs many more.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.bootstrap import initialize, open_node
from kizuna.errors import StoreError
from kizuna.identity.principal import Principal, Role
from kizuna.interchange.imports import import_objects, read_bundle
from kizuna.labels import Clearance, LabelError, parse, render
from kizuna.runtime import Node
from kizuna.taxii.collections import COLLECTIONS
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.factories import add_user, bearer

EXAMPLES = int(os.environ.get("KIZUNA_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 60,  # CI: the same examples every run, no flaky discovery
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MEDIA = "application/taxii+json;version=2.1"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = node_settings(f"sqlite:///{root / 'kizuna.db'}", root)
    initialize(settings_, nation="JPN")
    made = open_node(settings_)
    try:
        yield made
    finally:
        made.db.dispose()


# --- labels ---

_WORDS = [
    "UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET", "秘", "極秘", "機密",
    "//", "/", "REL TO", "JPN", "USA", "AUS", ",", ", ", "BIAC", "CYBER", " ", "NOFORN",
    "\u3000", "\x00", "ＳＥＣＲＥＴ", "rel to", "REL  TO", "//REL TO", "-",
]  # fmt: skip
_label_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_WORDS), max_size=20).map("".join),
)


@FUZZ
@given(text=_label_texts)
def test_the_label_parser_answers_a_label_or_a_label_error(node: Node, text: str) -> None:
    try:
        label = parse(node.policy, text)
    except LabelError:
        return
    for lang in ("en", "ja"):
        assert parse(node.policy, render(node.policy, label, lang)) == label  # type: ignore[arg-type]


# --- STIX import ---

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_STIX_KEYS = [
    "type", "id", "spec_version", "created", "modified", "name", "pattern", "pattern_type",
    "valid_from", "object_marking_refs", "labels", "extensions", "value", "published",
    "object_refs", "report_types", "revoked", "confidence", "external_references",
]  # fmt: skip
_TYPES = ["indicator", "report", "ipv4-addr", "marking-definition", "bundle", "x-kizuna-x", ""]


@st.composite
def _stix_like(draw: st.DrawFn) -> Any:
    """Objects that look enough like STIX to reach the deeper checks."""
    kind = draw(st.sampled_from(_TYPES))
    obj: dict[str, Any] = {
        "type": kind,
        "id": draw(st.sampled_from([f"{kind}--{uuid.uuid4()}", "x", f"{kind}--not-a-uuid"])),
        "spec_version": draw(st.sampled_from(["2.1", "2.0", 2.1])),
        "created": draw(st.sampled_from(["2026-01-01T00:00:00.000Z", "yesterday", ""])),
        "modified": "2026-01-01T00:00:00.000Z",
    }
    for key in draw(st.lists(st.sampled_from(_STIX_KEYS), max_size=6)):
        obj[key] = draw(_json)
    return obj


@FUZZ
@given(objs=st.lists(st.one_of(_stix_like(), _json), max_size=5))
def test_the_stix_importer_answers_every_object(
    node: Node, objs: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    author = Principal(
        "fuzzer", Clearance("JPN", 30, frozenset({"BIAC", "CYBER"})), frozenset({Role.AUTHOR})
    )
    caplog.clear()
    outcomes = import_objects(node.store, author, objs, source="fuzz")
    assert len(outcomes) == len(objs)
    assert all(o.ok or o.message for o in outcomes)
    # The importer's last resort catches what no check named, with a traceback in the
    # log: bad input must be named by a check instead.
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


@FUZZ
@given(text=st.one_of(st.text(max_size=300), _json.map(json.dumps), _stix_like().map(
    lambda o: json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [o]})
)))  # fmt: skip
def test_a_bundle_file_is_read_or_refused_by_name(text: str) -> None:
    refused: StoreError | None = None
    found: Any = None
    try:
        found = read_bundle(text)
    except StoreError as exc:
        refused = exc
    if refused is None:
        assert isinstance(found, list)
    else:
        assert refused.field
        assert str(refused)


# --- TAXII envelopes ---


@pytest.fixture(scope="module")
def taxii(node: Node) -> Iterator[tuple[TestClient, dict[str, str]]]:
    _user, token = add_user(node, "taxii-fuzzer", clearance="SECRET", roles=["author"])
    with TestClient(create_app(node), raise_server_exceptions=False) as client:
        yield client, {**bearer(token), "Accept": MEDIA, "Content-Type": MEDIA}


_bodies = st.one_of(
    st.binary(max_size=200),
    _json.map(lambda v: json.dumps(v).encode()),
    st.lists(st.one_of(_stix_like(), _json), max_size=4).map(
        lambda objs: json.dumps({"objects": objs}).encode()
    ),
)


@FUZZ
@given(body=_bodies, collection=st.sampled_from([c.id for c in COLLECTIONS] + ["nope"]))
def test_the_taxii_envelope_parser_never_fails_with_a_500(
    taxii: tuple[TestClient, dict[str, str]], body: bytes, collection: str
) -> None:
    client, headers = taxii
    answer = client.post(
        f"/taxii2/kizuna/collections/{collection}/objects/", content=body, headers=headers
    )
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == MEDIA
    assert isinstance(answer.json(), dict)


# --- the summary importer ---

_SEED = (Path(__file__).resolve().parents[1] / "domains/meetings/corpus").glob("*.txt")
_TEXTS = sorted(p.read_text(encoding="utf-8") for p in _SEED)[:6]
_PIECES = [
    "令和6年7月28日", "2024年7月28日", "午後3時15分から約1時間20分", "日米双方は、", "(1)",
    "1 総論", "・", "•", "On July 28, 2024,", "The Ministers", "condemned", "reaffirmed",
    "\n", "\n\n", "　", "\x00", "\ufeff", "<html>", "両大臣は、", "旨述べました。", "（現地時間）",
]  # fmt: skip


@st.composite
def _summaries(draw: st.DrawFn) -> bytes:
    """A real text cut and spliced, or pieces of the forms the importer reads, or noise;
    in one of the encodings the importer decodes."""
    kind = draw(st.sampled_from(["corpus", "pieces", "noise"]))
    if kind == "corpus" and _TEXTS:
        text = draw(st.sampled_from(_TEXTS))
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, len(text)))
        text = text[a:b] + draw(st.sampled_from(_PIECES)) + text[:a]
    elif kind == "pieces":
        text = "".join(draw(st.lists(st.sampled_from(_PIECES), max_size=40)))
    else:
        return draw(st.binary(max_size=2000))
    encoding = draw(st.sampled_from(["utf-8", "cp932", "euc_jp"]))
    return text.encode(encoding, errors="ignore")


@FUZZ
@given(data=_summaries())
def test_the_summary_importer_parses_or_refuses_by_name(data: bytes) -> None:
    from kizuna.domains.meetings.ingest import IngestRefused, read_summary

    try:
        record = read_summary(data)
    except IngestRefused as exc:
        refusal = str(exc)
    else:
        assert record.meeting.sections
        return
    assert refusal  # a refusal says why
