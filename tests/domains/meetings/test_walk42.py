"""Walk 42's official texts (docs/walk42/): lists after an unnumbered lead-in, fiscal
years, lines a PDF broke inside a paragraph, a numbered opening paragraph, and dates
that do not exist. Pure parsing: no database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kizuna.domains.meetings.agenda import due_day
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


FISCAL = """日米防衛相会談（概要）

令和８年７月１日

　令和８年７月１日午後４時から、防衛省において、防衛大臣は米国防長官と会談を行った。

１　両大臣は、共同の後方支援拠点を{when}設置することで一致した。
"""


@pytest.mark.parametrize(
    ("when", "due"),
    [
        ("2026年度内に", "2027-03-31"),
        ("令和８年度中に", "2027-03-31"),
        ("２０２６年度末までに", "2027-03-31"),
        ("今年度内に", "2027-03-31"),
        ("来年度中に", "2028-03-31"),
        # A calendar year is still its 31 December.
        ("2026年内に", "2026"),
        ("年内に", "2026"),
    ],
)
def test_a_fiscal_year_is_due_on_the_31_march_it_ends(when: str, due: str) -> None:
    """2026年度 was read as the calendar year 2026 (shown as 2026-12-31), and 今年度内 and
    来年度中 gave no due date: Japan's fiscal year 2026 ends on 2027-03-31."""
    record = read_summary(FISCAL.format(when=when).encode(), "ja").as_json()
    (decision,) = _items(record)[0]["decisions"]
    assert decision["commitment"]
    assert decision.get("due") == due
    assert due_day(due) == date.fromisoformat(due if len(due) == 10 else f"{due}-12-31")


def test_this_fiscal_year_before_april_is_the_one_that_began_the_april_before() -> None:
    text = FISCAL.replace("令和８年７月１日", "令和８年２月１日").format(when="今年度内に")
    (decision,) = _items(read_summary(text.encode(), "ja").as_json())[0]["decisions"]
    assert decision["due"] == "2026-03-31"
