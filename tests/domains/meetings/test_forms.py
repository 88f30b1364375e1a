"""One short text written for the test per form the importer reads: structure,
heading, times, attendees, actors, stances, reported decisions, entities, and the
commitments of the 2024 summary. Pure parsing: no database."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from kizuna.domains.meetings.ingest import IngestRefused, Record, read_summary
from kizuna.domains.meetings.ingest.dates import find_duration, find_start

HEAD_JA = "令和6年5月1日\n日米防衛相会談\n\n"
HEAD_EN = "May 1, 2024\nJapan-U.S. Defense Ministerial Meeting\n\n"


def read(text: str, given: date | None = None) -> Record:
    return read_summary(text.encode(), None, given)


def decisions(record: Record) -> list[tuple[str, str]]:
    return [
        (d.actor, d.stance)
        for s in record.meeting.sections
        for d in s.decisions + [d for i in s.items for d in i.decisions]
    ]


def items(record: Record) -> list[tuple[int, list[tuple[int, str]]]]:
    return [(s.number, [(i.number, i.marker) for i in s.items]) for s in record.meeting.sections]


# -- structure ------------------------------------------------------------------------

OPENING = "5月1日、防衛省において会談を行ったところ、概要次のとおり。\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1 両者は、協力を確認した。\n2 両者は、演習を歓迎した。\n", [(1, [(1, "1"), (2, "2")])]),
        ("1. 両者は、協力を確認した。\n2. 両者は、演習を歓迎した。\n", [(1, [(1, "1"), (2, "2")])]),
        (
            "(1) 両者は、協力を確認した。\n(2) 両者は、演習を歓迎した。\n",
            [(1, [(1, "(1)"), (2, "(2)")])],
        ),
        ("• 両者は、協力を確認した。\n• 両者は、演習を歓迎した。\n", [(1, [(1, "•"), (2, "•")])]),
        ("・両者は、協力を確認した。\n・両者は、演習を歓迎した。\n", [(1, [(1, "•"), (2, "•")])]),
        ("- 両者は、協力を確認した。\n- 両者は、演習を歓迎した。\n", [(1, [(1, "•"), (2, "•")])]),
        ("両者は、協力を確認した。\n両者は、演習を歓迎した。\n", [(1, [(1, ""), (2, "")])]),
        (
            "1 総論\n両者は議論を行った。\n(1) 両者は、協力を確認した。\n2 地域\n(1) 両者は、演習を歓迎した。\n",  # noqa: E501 (the example reads best on one line)
            [(1, [(1, "(1)")]), (2, [(1, "(1)")])],
        ),
    ],
    ids=["1 text", "1.", "(1)", "•", "・", "-", "paragraphs", "headings and items"],
)
def test_structure_in_every_numbered_bulleted_and_plain_form(
    body: str, expected: list[tuple[int, list[tuple[int, str]]]]
) -> None:
    record = read(HEAD_JA + OPENING + body)
    assert items(record) == expected
    assert len(decisions(record)) >= 2


def test_a_numbered_paragraph_followed_by_items_is_a_section_and_english_headings_read() -> None:
    text = HEAD_EN + (
        "On May 1, Minister Kihara held a meeting with Secretary Austin.\n"
        "I. Overview\nThe Ministers welcomed the progress.\n"
        "2 The two sides exchanged views on regional affairs.\n"
        "(1) The two sides shared concerns about the East China Sea.\n"
    )
    record = read(text)
    assert [(s.number, s.title) for s in record.meeting.sections] == [(1, "Overview"), (2, "")]
    assert record.meeting.sections[1].text.startswith("The two sides exchanged")
    assert decisions(record) == [
        ("both", "welcome"),
        ("both", "discuss"),
        ("both", "share concern"),
    ]


# -- heading --------------------------------------------------------------------------


def test_page_chrome_is_left_out_and_reported() -> None:
    text = (
        "アメリカ合衆国\n令和6年5月1日\n英語版/English\n画像1\n日米防衛相会談\n"
        "5月1日、木原防衛大臣はオースティン米国防長官と会談を行った。\n"
        "両者は、決議(PDF)別ウィンドウで開くの履行を確認した。\nこのページのトップへ戻る\n"
    )
    record = read(text)
    chrome = [q.found for q in record.quality if q.kind == "page-chrome"]
    assert chrome == [
        "アメリカ合衆国",
        "英語版/English",
        "画像1",
        "(PDF)別ウィンドウで開く",
        "このページのトップへ戻る",
    ]
    assert record.meeting.title == "日米防衛相会談"
    assert "PDF" not in {
        e["text"]
        for s in record.meeting.sections
        for i in s.items
        for d in i.decisions
        for e in d.entities
    }


def test_a_pdfs_page_numbers_are_chrome_wherever_a_page_ends() -> None:
    """Walk 38: a page number between two items ("- 2 -") became part of the item."""
    text = (
        "Joint Statement\n\nOctober 5, 2026\n\n"
        "1. The Ministers condemned the missile launches.\n"
        "                - 2 -\n"
        "2. The Ministers agreed to expand exercises.\nPage 3 of 4\n"
        "3. The Ministers agreed to hold the next meeting in 2027.\n"
    )
    record = read_summary(text.encode(), "en")
    chrome = [q.found for q in record.quality if q.kind == "page-chrome"]
    assert chrome == ["- 2 -", "Page 3 of 4"]
    texts = [i.text for s in record.meeting.sections for i in s.items]
    assert texts == [
        "The Ministers condemned the missile launches.",
        "The Ministers agreed to expand exercises.",
        "The Ministers agreed to hold the next meeting in 2027.",
    ]


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        (
            HEAD_JA + "5月1日、日米安全保障協議委員会(日米「2+2」)が開催され、概要以下のとおり。\n",
            "summary",
            "日米安全保障協議委員会(日米「2+2」)",
        ),
        (
            "May 1, 2024\nJoint Statement of the Security Consultative Committee\n\nThe Ministers met.\n",  # noqa: E501 (the example reads best on one line)
            "joint-statement",
            "Security Consultative Committee",
        ),
        (
            "Fact Sheet\nU.S.-Japan 2024 Fact Sheet\nMay 1, 2024\n\nThe Ministers met in Tokyo.\n",
            "fact-sheet",
            "U.S.-Japan 2024 Fact Sheet",
        ),
        (
            "令和6年5月1日\n日米外相会談\n\n5月2日、外務大臣は会談する予定です。\n",
            "announcement",
            "日米外相会談",
        ),
        (
            "日米共同記者会見(概要)\n日時\n令和6年5月1日\n\n1 発表事項\n",
            "press-conference",
            "日米共同記者会見",
        ),
        (
            "令和6年5月1日\n\n5月1日、日米合同委員会において合意した。\n",
            "joint-committee",
            "日米合同委員会",
        ),
    ],
    ids=[
        "summary",
        "joint statement",
        "fact sheet",
        "announcement",
        "press conference",
        "joint committee",
    ],
)
def test_kind_of_text_and_the_meetings_name_anywhere_in_the_opening(
    text: str, kind: str, name: str
) -> None:
    m = read(text).meeting
    assert (m.kind, m.body) == (kind, name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和6年7月28日\n会談\n\n会談を行った。\n", "2024-07-28"),
        ("平成元年七月二十八日\n会談\n\n会談を行った。\n", "1989-07-28"),
        ("2024年7月28日\n会談\n\n会談を行った。\n", "2024-07-28"),
        ("July 28, 2024\nMeeting\n\nThe Ministers met.\n", "2024-07-28"),
        ("28 July 2024\nMeeting\n\nThe Ministers met.\n", "2024-07-28"),
        ("July 28, 2024\nMeeting\n\nOn June 6, the Ministers met.\n", "2024-06-06"),
        ("令和6年7月30日\n会談\n\n7月28日、両者は会談を行った。\n", "2024-07-28"),
    ],
    ids=[
        "era",
        "kanji numerals",
        "western ja",
        "en mdy",
        "en dmy",
        "no year: heading's",
        "opening's day",
    ],
)
def test_dates_in_every_form(text: str, expected: str) -> None:
    assert read(text).meeting.date.isoformat() == expected


def test_a_date_without_year_takes_the_given_one_and_none_at_all_asks_for_it() -> None:
    text = "Meeting\n\nOn June 6, the Ministers met.\n"
    with pytest.raises(IngestRefused, match=r"6/6 without a year.*give the date as YYYY-MM-DD"):
        read(text)
    assert read(text, date(2021, 6, 6)).meeting.date == date(2021, 6, 6)
    # A press release's "this 31st" (本31日) names only the day.
    day_only = "茂木大臣の表敬\n\n本31日午前10時55分頃から，茂木外務大臣は表敬を受けました。\n"
    with pytest.raises(IngestRefused, match=r"the day \(31\) without a month or year"):
        read(day_only)


# -- times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "time", "zone"),
    [
        ("正午から約1時間", "12:00", None),
        ("午後3時15分から", "15:15", None),
        ("午前10時55分頃から約25分間", "10:55", None),
        ("9時45分すぎから", "09:45", None),
        ("17:11~18:04(現地時間)", "17:11", "local"),
        ("現地時間1月11日午後6時6分(日本時間12日午前8時6分)から", "18:06", "local"),
        ("8月17日午前4時30分(現地時間16日午後3時30分)から", "15:30", "local"),
        ("午後2時(米国時間)から", "14:00", "US"),
        ("at 3:45 p.m. (EST)", "15:45", "EST"),
        ("from 13:15 (local time)", "13:15", "local"),
        ("at 10:00 a.m. (ChST)", "10:00", "ChST"),
    ],
)
def test_start_times_keep_their_zone(text: str, time: str, zone: str | None) -> None:
    start = find_start(text)
    assert start is not None
    assert (start.time, start.zone) == (time, zone)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("約3時間15分間", 195),
        ("約85分間", 85),
        ("約1時間20分", 80),
        ("for approximately seventy minutes", 70),
        ("for about 1 hour and 20 minutes", 80),
        ("for about forty-five minutes", 45),
    ],
)
def test_durations(text: str, minutes: int) -> None:
    assert find_duration(text) == minutes


def test_local_time_gets_its_offset_from_the_place() -> None:
    text = (
        HEAD_EN
        + "On May 1, Minister Kihara and Secretary Austin held a meeting from 13:15 (local time) for 30 minutes in Singapore.\n"  # noqa: E501 (the example reads best on one line)
    )
    m = read(text).meeting
    assert (m.start, m.start_zone, m.start_utc_offset, m.duration_minutes) == (
        "13:15",
        "local",
        "+08:00",
        30,
    )


# -- attendees ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "people"),
    [
        (
            "日本側からは、山田太郎外務大臣が、米側からは、ジョン・スミス米国国務長官(The Honorable John Smith, Secretary of State)が出席した。",  # noqa: E501 (the example reads best on one line)
            [("JPN", "山田太郎", "外務大臣"), ("USA", "ジョン・スミス", "米国国務長官")],
        ),
        (
            "日本側からは岸田文雄外務大臣及び中谷元防衛大臣が,米側からはジョン・ケリー国務長官が出席しました。",
            [
                ("JPN", "岸田文雄", "外務大臣"),
                ("JPN", "中谷元", "防衛大臣"),
                ("USA", "ジョン・ケリー", "国務長官"),
            ],
        ),
        (
            "林芳正外務大臣は、アントニー・ブリンケン米国国務長官と会談を行った。",
            [("JPN", "林芳正", "外務大臣"), ("USA", "アントニー・ブリンケン", "米国国務長官")],
        ),
        (
            "中谷防衛大臣とヘグセス米国防長官は、防衛省において会談を行った。",
            [("JPN", "中谷", "防衛大臣"), ("USA", "ヘグセス", "米国防長官")],
        ),
    ],
    ids=["sides", "ascii commas", "X は Y と会談", "X と Y は"],
)
def test_attendees_in_japanese_forms(opening: str, people: list[tuple[str, str, str]]) -> None:
    m = read(HEAD_JA + opening + "\n").meeting
    assert [(a.nation, a.name, a.title) for a in m.attendees] == people


@pytest.mark.parametrize(
    ("opening", "people"),
    [
        (
            "Foreign Minister Okada held a meeting with Secretary of State Clinton.",
            [("JPN", "Okada", "Foreign Minister"), ("USA", "Clinton", "Secretary of State")],
        ),
        (
            "Mr. Fumio Kishida, Minister for Foreign Affairs, held a meeting with the Honorable James Mattis, Secretary of Defense.",  # noqa: E501 (the example reads best on one line)
            [
                ("JPN", "Fumio Kishida", "Minister for Foreign Affairs"),
                ("USA", "James Mattis", "Secretary of Defense"),
            ],
        ),
        (
            "The Meeting was attended by Minister of Defense, Mr. Gen Nakatani from the Japanese side and Secretary of Defense, Honorable Ashton Carter from the U.S. side.",  # noqa: E501 (the example reads best on one line)
            [
                ("JPN", "Gen Nakatani", "Minister of Defense"),
                ("USA", "Ashton Carter", "Secretary of Defense"),
            ],
        ),
        (
            "Mr. KISHI Nobuo, Minister of Defense will hold the SCC with Honorable Antony Blinken and the Honorable Lloyd Austin, Secretary of State and Secretary of Defense of the United States of America, respectively.",  # noqa: E501 (the example reads best on one line)
            [
                ("JPN", "KISHI Nobuo", "Minister of Defense"),
                ("USA", "Antony Blinken", "Secretary of State"),
                ("USA", "Lloyd Austin", "Secretary of Defense"),
            ],
        ),
        (
            "Attending were Minister of Defense Taro Yamada for Japan, and Secretary of Defense John Smith for the United States.",  # noqa: E501 (the example reads best on one line)
            [
                ("JPN", "Taro Yamada", "Minister of Defense"),
                ("USA", "John Smith", "Secretary of Defense"),
            ],
        ),
    ],
    ids=["title name", "name, title", "from the side", "respectively", "for Japan"],
)
def test_attendees_in_english_forms(opening: str, people: list[tuple[str, str, str]]) -> None:
    m = read(HEAD_EN + opening + "\n").meeting
    assert [(a.nation, a.name, a.title) for a in m.attendees] == people


# -- actors and stances ---------------------------------------------------------------

JA_MEETING = (
    HEAD_JA + "5月1日、林芳正外務大臣は、アントニー・ブリンケン米国国務長官と会談を行った。\n"
)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("両者は、協力を確認した。", [("both", "confirm")]),
        ("両外相は、協力で一致した。", [("both", "agree")]),
        ("両大臣は、演習を歓迎した。", [("both", "welcome")]),
        ("両閣僚は、認識を共有した。", [("both", "share view")]),
        ("林大臣から、訪米を嬉しく思う旨述べた。", [("japan", "state")]),
        ("ブリンケン長官からは、支援を求めた。", [("united states", "request")]),
        (
            "日本側は、米側に配慮を要請し、米側はこれに同意した。",
            [("japan", "request"), ("united states", "agree")],
        ),
        ("両者は、中国軍の動向に留意した。", [("both", "note")]),
        (
            "冒頭、林大臣から挨拶した。その上で、引き続き連携していくことで一致した。",
            [("both", "agree")],
        ),
    ],
    ids=[
        "両者",
        "両外相",
        "両大臣",
        "両閣僚",
        "named 旨述べ",
        "named からは 求める",
        "同意",
        "留意",
        "agreeing is both",
    ],
)
def test_japanese_actors_and_stances(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert decisions(read(JA_MEETING + sentence + "\n")) == expected


EN_MEETING = (
    HEAD_EN + "On May 1, Foreign Minister Okada held a meeting with Secretary of State Clinton.\n"
)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The two Ministers concurred on the plan.", [("both", "agree")]),
        ("They reconfirmed the alliance.", [("both", "reaffirm")]),
        ("Secretary Clinton appreciated Japan's leadership.", [("united states", "evaluate")]),
        ("Foreign Minister Okada shared the view that peace matters.", [("japan", "share view")]),
        ("The Ministers affirmed that the United States will defend Japan.", [("both", "confirm")]),
        (
            "The Ministers resolved to advance cooperation and instructed their staffs.",
            [("both", "commit"), ("both", "instruct")],
        ),
        ("The Ministers expressed concern about missile launches.", [("both", "share concern")]),
    ],
    ids=[
        "the two Ministers",
        "They",
        "Secretary Clinton",
        "named minister",
        "object clause",
        "resolved, instructed",
        "concern",
    ],
)
def test_english_actors_and_stances(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert decisions(read(EN_MEETING + sentence + "\n")) == expected


def test_decisions_reported_from_another_meeting_are_kept_and_marked() -> None:
    ja = read(
        JA_MEETING + "両者は、日米首脳会談における首脳間で一致した事項を踏まえ、協力を確認した。\n"
    )
    made = [d for s in ja.meeting.sections for i in s.items for d in i.decisions]
    assert [(d.stance, d.reported, d.reported_from) for d in made] == [
        ("agree", True, "日米首脳会談"),
        ("confirm", False, ""),
    ]
    en = read(
        EN_MEETING
        + "The Ministers discussed initiatives, which were confirmed at the Japan-U.S. Summit Meeting in April, and reaffirmed their resolve.\n"  # noqa: E501 (the example reads best on one line)
    )
    made = [d for s in en.meeting.sections for i in s.items for d in i.decisions]
    assert [(d.stance, d.reported, d.reported_from) for d in made] == [
        ("discuss", False, ""),
        ("confirm", True, "Japan-U.S. Summit Meeting"),
        ("reaffirm", False, ""),
    ]


# -- entities -------------------------------------------------------------------------


def test_entities_from_the_gazetteer_longest_name_first_and_abbreviations() -> None:
    record = read(
        JA_MEETING
        + "両者は、自由で開かれたインド太平洋と南シナ海について、豪、韓、比、露の動向を含め議論し、"
        "在日米軍と自衛隊及び海兵隊の協力を確認した。比較は行わない。\n"
    )
    found = {
        e["text"]: e["kind"]
        for s in record.meeting.sections
        for i in s.items
        for d in i.decisions
        for e in d.entities
    }
    assert found["インド太平洋"] == "region"
    assert "インド" not in found
    assert found["南シナ海"] == "region"
    assert "シナ海" not in found
    assert {found[n] for n in ("豪", "韓", "比", "露")} == {"nation"}
    assert {found[n] for n in ("在日米軍", "自衛隊", "海兵隊")} == {"organisation"}


def test_english_acronyms_only_where_they_are_words_of_the_text() -> None:
    record = read(
        EN_MEETING
        + "The Ministers welcomed the BIAC and the Joint Statement (PDF) on the Indo-Pacific.\n"
    )
    found = {
        e["text"]: e["kind"]
        for s in record.meeting.sections
        for i in s.items
        for d in i.decisions
        for e in d.entities
    }
    assert found["BIAC"] == "body"
    assert found["Indo-Pacific"] == "region"
    assert "PDF" not in found


# -- commitments and positions --------------------------------------------------------


def test_the_2024_summary_separates_commitments_with_owners_from_positions() -> None:
    seed = (
        resources.files("kizuna.data").joinpath("seed/scc-2024-07-28-summary.ja.txt").read_bytes()
    )
    made = [
        d for s in read_summary(seed, "ja").meeting.sections for i in s.items for d in i.decisions
    ]

    def one(words: str, stance: str) -> object:
        found = [d for d in made if words in d.sentence and d.stance == stance]
        assert len(found) == 1, (words, stance)
        return found[0]

    for words, stance in [
        ("作業部会を設置", "agree"),
        ("BIACを強化・拡大", "agree"),
        ("グアムへの海兵隊要員の移転が2024年に開始", "confirm"),
        ("AMRAAM及びPAC-3 MSE", "welcome"),
        ("DICAS", "welcome"),
    ]:
        d = one(words, stance)
        assert d.commitment, words  # type: ignore[attr-defined]
        assert d.owner == "both", words  # type: ignore[attr-defined]
    assert one("グアム", "confirm").due == "2024"  # type: ignore[attr-defined]
    positions = [d for d in made if d.stance in ("condemn", "share concern", "oppose")]
    assert len(positions) >= 6
    assert not any(d.commitment for d in positions)


def test_footnotes_are_a_part_of_their_own_not_the_tail_of_the_last_item() -> None:
    """Walk 38: footnotes ([1] …, Footnote 2:, ※1 …, (注) …) were glued to the item or
    the section printed above them."""
    english = (
        "Joint Statement\n\nOctober 5, 2026\n\n"
        "1. The Ministers condemned the missile launches.[1]\n"
        "2. The Ministers agreed to expand exercises.\n"
        "[1] See the statement of September 2026.\n"
        "Footnote 2: Issued in Tokyo and Washington.\n"
    )
    record = read_summary(english.encode(), "en")
    *_, notes = record.meeting.sections
    assert notes.title == "Notes"
    assert notes.text.splitlines() == [
        "[1] See the statement of September 2026.",
        "Footnote 2: Issued in Tokyo and Washington.",
    ]
    items = [i.text for s in record.meeting.sections for i in s.items]
    assert items[-1] == "The Ministers agreed to expand exercises."
    japanese = (
        "日米防衛相会談\n\n令和8年10月5日\n\n"
        "(1)両大臣は、共同生産を年内に開始することで一致した。※1\n"
        "(2)両大臣は、弾道ミサイルの発射を非難した。\n"
        "※1 AMRAAMを指す。\n（注）本概要は速報である。\n"
    )
    record = read_summary(japanese.encode(), "ja")
    *_, notes = record.meeting.sections
    assert notes.title == "注"
    assert notes.text.splitlines() == ["※1 AMRAAMを指す。", "(注)本概要は速報である。"]
    assert notes.decisions == []
    items = [i.text for s in record.meeting.sections for i in s.items]
    assert items[-1] == "両大臣は、弾道ミサイルの発射を非難した。"


def test_a_finding_on_full_width_words_points_at_them_in_the_original() -> None:
    """Walk 38: the zone-assumed finding on 午後３時３０分 pointed at the title (line 1),
    since the text read had half-width digits the original does not."""
    text = (
        "日米防衛相会談\n\n令和８年１１月２０日\n\n"
        "１　令和８年１１月２０日（金）午後３時３０分から約７０分間、防衛省において、"
        "防衛大臣は米国防長官と会談を行ったところ、概要は以下のとおりです。\n\n"
        "２　会談の概要\n（１）両大臣は、共同訓練を拡大することで一致した。\n"
    )
    record = read_summary(text.encode(), "ja")
    zone = next(q for q in record.quality if q.kind == "zone-assumed")
    assert zone.found == "午後３時３０分"
    assert zone.position["line"] == 5
    assert text[zone.position["offset"] :].startswith("午後３時３０分")
