"""An object laid out for a person: which values are references (the standard `_ref`s
and Kizuna's own id-holding properties alike), how values read, and the title."""

from __future__ import annotations

from kizuna.domains.attachments.model import artifact
from kizuna.labels import Label
from kizuna.store.listing import Target, title_of
from kizuna.web.fields import Value, layout, references

MEETING = "x-kizuna-meeting--6f1c8a52-8f0e-4a3c-9a57-2b1f0c9d4e11"
DECISION = "x-kizuna-decision--0b7d2f4e-1c3a-4e5f-8a9b-c0d1e2f3a4b5"
ITEM = "x-kizuna-coordination-item--7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b"
IDENTITY = "identity--1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


def _decision() -> dict[str, object]:
    return {
        "type": "x-kizuna-decision",
        "id": DECISION,
        "created": "2024-07-28T06:15:00.000Z",
        "created_by_ref": IDENTITY,
        "meeting_id": MEETING,
        "sentence": "Both sides decided to upgrade the alliance's command and control.",
        "related": {"items": [ITEM], "note": "not--an-id"},
        "restated": 0,
        "commitment": True,
    }


def test_every_stix_id_anywhere_is_a_reference_but_the_objects_own() -> None:
    assert set(references(_decision(), skip=DECISION)) == {IDENTITY, MEETING, ITEM}


def test_values_read_as_links_mentions_times_and_lists() -> None:
    meeting = Target(MEETING, "SCC 2024", Label(0, frozenset({"JPN"})))
    fields = {key: (name, value) for key, name, value in layout(_decision(), {MEETING: meeting})}
    assert "id" not in fields
    assert list(fields)[:2] == ["sentence", "created"]  # the words first, bookkeeping after
    assert fields["meeting_id"] == ("Meeting", Value("ref", MEETING, target=meeting))
    # Not readable, or no object at all: the bare id, nothing more.
    assert fields["created_by_ref"][1] == Value("ref", IDENTITY)
    assert fields["created"][1] == Value("time", "2024-07-28T06:15:00.000Z")
    assert fields["commitment"][1] == Value("flag", "yes")
    related = fields["related"][1]
    assert related.kind == "map"
    assert related.entries[0][2] == Value("list", items=[Value("ref", ITEM)])
    assert related.entries[1][2] == Value("text", "not--an-id")


def test_a_title_is_the_first_naming_property_else_the_id() -> None:
    assert title_of(_decision(), DECISION).startswith("Both sides decided")
    assert title_of({"name": "", "value": "198.51.100.7"}, "x") == "198.51.100.7"
    assert title_of({"type": "x-kizuna-coordination-response"}, "r--1") == "r--1"
    # An answer to an item goes by its comment, else by its kind (walk 35).
    response = {"type": "x-kizuna-coordination-response", "kind": "non_concur"}
    assert title_of({**response, "comment": "Runway closed"}, "r--1") == "Runway closed"
    assert title_of({**response, "comment": ""}, "r--1") == "non_concur"
    assert title_of(response, "r--1", "ja") == "non_concur"
    # An attachment goes by its file name (walk 35).
    file = artifact(data=b"a", mime_type="text/plain", sha256="0" * 64, file_name="data.csv",
                    object_ref=ITEM)  # fmt: skip
    assert title_of(file, "artifact--1") == "data.csv"
    assert title_of({"type": "artifact", "extensions": {}}, "artifact--1") == "artifact--1"


def test_a_recall_reads_in_words_not_property_names() -> None:
    recalled = "report--1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
    body = {"type": "x-kizuna-recall", "id": "x-kizuna-recall--1", "object_ref": recalled,
            "version": 2}  # fmt: skip
    names = {key: name for key, name, _ in layout(body, {})}
    assert names["object_ref"] == "Object"
    assert names["version"] == "Version"
