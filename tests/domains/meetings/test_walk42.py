"""Walk 42's official texts (docs/walk42/): lists after an unnumbered lead-in, fiscal
years, lines a PDF broke inside a paragraph, a numbered opening paragraph, and dates
that do not exist. Pure parsing: no database."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kizuna.domains.meetings.agenda import due_day
from kizuna.domains.meetings.ingest import IngestRefused, read_summary

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


def test_lines_a_pdf_broke_inside_a_paragraph_are_joined_not_read_as_headings() -> None:
    """'…transition of⏎U.S. Forces Japan…' became a heading '2 U.S. Forces Japan…',
    '…in the Indo-⏎Pacific.' section 1's title (its decision lost) and 'Marco⏎Rubio'
    no attendee at all."""
    record = _read("own2_en.txt")
    assert [s["title"] for s in record["sections"]] == ["Text"]
    m = record["meeting"]
    assert [(a["nation"], a["name"]) for a in m["attendees"]] == [
        ("USA", "Marco Rubio"),
        ("USA", "Pete Hegseth"),
        ("JPN", "Toshimitsu Motegi"),
        ("JPN", "Shinjiro Koizumi"),
    ]
    items = _items(record)
    alliance = items[0]["decisions"]
    assert [d["stance"] for d in alliance] == ["reaffirm"]
    assert alliance[0]["sentence"].endswith("in the Indo-Pacific.")
    listed = items[1]["decisions"]
    assert "transition of U.S. Forces Japan to a joint force headquarters" in listed[0]["clause"]
    assert [d.get("due") for d in listed] == ["2026", "2027", None]
    joins = {(f["kind"], f["suggestion"]) for f in record["quality"]}
    assert ("page-break", "Indo-Pacific.") in joins
    assert ("line-joined", "ition of U.S. For") in joins
    assert "no-attendees" not in {f["kind"] for f in record["quality"]}


def test_a_japanese_line_ending_on_a_particle_continues_its_numbered_paragraph() -> None:
    """「２　両者は、在日米軍の航空機の⏎事故現場…」: the first line became a section's title."""
    record = _read("own3_ja_sjis.txt")
    assert "両者は、在日米軍の航空機の" not in [s["title"] for s in record["sections"]]
    texts = [i["text"] for i in _items(record)]
    assert (
        "両者は、在日米軍の航空機の事故現場における協力に関するガイドラインの改正に合意した。"
        in texts
    )
    kinds = [f["kind"] for f in record["quality"]]
    assert "line-joined" in kinds


DOUBTFUL_EN = """Japan-U.S. Foreign Ministers' Meeting

July 1, 2026

On July 1, 2026, Foreign Minister Motegi held a meeting with Secretary Rubio.

Regional affairs

The Ministers condemned the launches.

The Ministers reaffirmed the importance of peace in the

Indo-Pacific region and beyond it.
"""


def test_a_heading_that_ends_inside_a_sentence_is_reported_as_doubtful() -> None:
    """A line cut with a blank line after it is not joined; read as a heading, the
    quality report says it may be a line of its paragraph. A true heading is not."""
    record = read_summary(DOUBTFUL_EN.encode(), "en").as_json()
    titles = [s["title"] for s in record["sections"]]
    doubtful = [f["found"] for f in record["quality"] if f["kind"] == "doubtful-heading"]
    assert "Regional affairs" in titles
    assert doubtful == ["The Ministers reaffirmed the importance of peace in the"]


@pytest.mark.parametrize(
    ("name", "headings"),
    [
        (
            "2010-05-21_mofa-fm-meeting-summary_en.txt",
            ["The Outline", "The issue of child custody"],
        ),
        ("2017-08-15_kono-2plus2-attendance-press_ja.txt", []),
    ],
)
def test_the_corpus_headings_stay_headings(name: str, headings: list[str]) -> None:
    corpus = Path(__file__).parent / "corpus" / name
    record = read_summary(corpus.read_bytes()).as_json()
    found = [s["title"] for s in record["sections"]] + [i["text"] for i in _items(record)]
    for heading in headings:
        assert any(t.startswith(heading) for t in found), (heading, found)
    assert not any(f["kind"] == "doubtful-heading" for f in record["quality"])


@pytest.mark.parametrize("name", ["own3b_ja.txt", "own3_ja_sjis.txt"])
def test_a_numbered_opening_paragraph_is_read_as_the_opening(name: str) -> None:
    """「１　本５日（木曜日）午前１０時３０分から、外務省において、…開催された。」 was item 1:
    no start, no place, and a no-start finding, where the same words unnumbered read."""
    record = _read(name)
    m = record["meeting"]
    assert (m["date"], m["start"], m["start_zone"], m["place"]) == (
        "2019-12-05",
        "10:30",
        "JST",
        "外務省",
    )
    assert "no-start" not in {f["kind"] for f in record["quality"]}
    # The numbered items after it are the text's, numbered as the text numbers them.
    assert [i["number"] for i in _items(record)] == [2, 3]
    assert not any(i["text"].startswith("本5日") for i in _items(record))


def _dated(line: str) -> bytes:
    opening = "　茂木外務大臣は、ルビオ米国務長官と会談を行った。"
    return f"日米外相会談（概要）\n\n{line}\n\n{opening}\n".encode()


def test_a_day_that_is_no_day_of_the_calendar_is_refused_by_name() -> None:
    """令和8年2月29日 was refused as giving no meeting date at all."""
    with pytest.raises(IngestRefused) as refused:
        read_summary(_dated("令和8年2月29日"), "ja")
    said = str(refused.value)
    assert "令和8年2月29日 is no day of the calendar (2026-02-29)" in said
    assert "without a year" not in said
    assert "give the date as YYYY-MM-DD" in said
    # The analyst's date imports it.
    given = read_summary(_dated("令和8年2月29日"), "ja", date(2026, 2, 28))
    assert given.meeting.date == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("line", "day", "fault"),
    [
        ("令和元年四月三十日", "2019-04-30", "is no day of 令和, which began on 2019-05-01"),
        ("平成三十一年五月一日", "2019-05-01", "is no day of 平成, which ended on 2019-04-30"),
    ],
)
def test_an_era_date_outside_its_era_is_reported(line: str, day: str, fault: str) -> None:
    """Era dates that never existed were taken silently."""
    record = read_summary(_dated(line), "ja").as_json()
    assert record["meeting"]["date"] == day
    found = [
        (f["found"], f["suggestion"]) for f in record["quality"] if f["kind"] == "no-such-date"
    ]
    assert found == [(line, f"{line} {fault}")]


def test_an_era_date_inside_its_era_is_not_reported() -> None:
    for line in ("令和元年五月一日", "平成三十一年四月三十日", "平成元年一月八日"):
        record = read_summary(_dated(line), "ja").as_json()
        assert "no-such-date" not in {f["kind"] for f in record["quality"]}, line


@pytest.mark.parametrize("line", ["2026/2/13", "R8.2.13"])
def test_numeric_dates_are_read(line: str) -> None:
    """2026/2/13 and R8.2.13 were refused as no meeting date."""
    assert read_summary(_dated(line), "ja").meeting.date == date(2026, 2, 13)


def test_a_findings_quote_of_english_words_ends_at_a_word() -> None:
    """Walk 49 #7: "Secretary of State M" quoted a name cut in two."""
    text = (
        b"Japan-U.S. Foreign Ministers' Meeting\nFebruary 13, 2026\n\n"
        b"Secretary of State Marco Rubio met Foreign Minister Motegi.\n"
    )
    quoted = [f["found"] for f in read_summary(text, "en").as_json()["quality"]]
    assert quoted
    for found in quoted:
        assert not re.search(r"\b[A-Z]$", found), found
