"""Walk 42's official texts (docs/walk42/): lists after an unnumbered lead-in, fiscal
years, lines a PDF broke inside a paragraph, a numbered opening paragraph, and dates
that do not exist. Pure parsing: no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.domains.meetings.ingest import read_summary

TEXTS = Path(__file__).parent / "docs" / "walk42"


def _read(name: str) -> dict:
    return read_summary((TEXTS / name).read_bytes()).as_json()


def _items(record: dict) -> list[dict]:
    return [i for s in record["sections"] for i in s["items"]]


@pytest.mark.parametrize(
    ("name", "stance", "dues"),
    [
        ("own5_en.txt", "confirm", [None, None, "2027"]),
        ("own5_ja.txt", "confirm", [None, None, "2027"]),
        ("own2b_en.txt", "decide", ["2026", "2027", None]),
    ],
)
def test_a_list_after_an_unnumbered_lead_in_is_one_decision_a_line(
    name: str, stance: str, dues: list[str | None]
) -> None:
    """Only the first line of the list took the lead-in's verb; the others became
    items of their own with no decision, and their "by 2027" went with them."""
    items = _items(_read(name))
    listed = next(i for i in items if i["text"].count("• ") == 3)
    decisions = listed["decisions"]
    assert [d["stance"] for d in decisions] == [stance] * 3
    assert all(d["commitment"] for d in decisions)
    assert [d.get("due") for d in decisions] == dues
    assert not any(i["text"].startswith("• ") for i in items)
    if name == "own5_en.txt":
        # The lead-in's subject and verb, and the line's own words: no "the following".
        assert decisions[0]["clause"].startswith("confirmed that they would work on establishing")
        assert decisions[1]["clause"].endswith("critical minerals")
