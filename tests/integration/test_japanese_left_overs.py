"""What was left in English on Japanese pages, now said in Japanese (English pages
unchanged): the meeting importer's quality report and meeting kind, and the refusal of
a label above the author's clearance on a page form (the commitments review form, the
cell's forms). The incident acknowledgement's refusal is in
tests/domains/incidents/test_refusal_words.py, beside the incident fixtures.

The stored records keep the importer's English codes and notes: they are data, and
they are translated only where a page shows them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.meetings import model as meetings_model
from kizuna.domains.meetings import service as meetings
from kizuna.domains.meetings import words
from kizuna.domains.meetings.ingest.heading import ANNOUNCED
from kizuna.runtime import Node
from kizuna.web.app import create_app
from kizuna.web.i18n import translations
from tests.domains.meetings.test_ingest import SEED
from tests.factories import PASSWORD, add_user, sign_in

pytestmark = pytest.mark.sqlite_only

# Page text, not storage: one database is enough.
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

# The seed summary with the chrome of a web page around it: one line of each kind
# that chrome.py leaves out (the site, switch, counter and caption above the text).
_TOP = (
    "データベース『世界と日本』(日本政治・国際関係データベース)\n"
    "外務省\n英語版/English\n12\n両外相の様子\n"
)
_BOTTOM = (
    "\nこのページのトップへ戻る\n画像1\n関連資料(PDF)別ウィンドウで開く\n"
    "外務省 | 北米局\n[出典] 外務省ホームページ\n"
)
WITH_CHROME = (_TOP + SEED.decode() + _BOTTOM).encode()

# What the importer finds in it, as a Japanese and an English reader read it.
LEFT_OUT_JA = [
    "除外（データベースの見出し）",
    "除外（データベースの項目名）",
    "除外（サイト名）",
    "除外（言語切替）",
    "除外（カウンター）",
    "除外（画像の説明）",
    "除外（ナビゲーション）",
    "除外（画像）",
    "除外（リンク）",
    "除外（署名欄）",
]
LEFT_OUT_EN = [
    "left out (database header)",
    "left out (database field)",
    "left out (site)",
    "left out (language switch)",
    "left out (counter)",
    "left out (image caption)",
    "left out (navigation)",
    "left out (image)",
    "left out (link)",
    "left out (byline)",
]
# As an English page shows them: the importer's notes, the site's under its full name.
SHOWN_EN = [n.replace("(site)", "(site name)") for n in LEFT_OUT_EN]
KINDS_JA = [
    "ページの付属要素",
    "時間帯を推定",
    "濁点の脱落",
    "抽出による仮名の重複",
    "ページをまたいで分かれた語",
    "旧字体",
    "中国語の用法",
]
KINDS_EN = [
    "page chrome",
    "time zone assumed",
    "voicing mark lost",
    "kana doubled by the extraction",
    "word broken across a page",
    "traditional character form",
    "Chinese usage",
]
NOTE_JA = "本文に時間帯がないため日本時間とみなしました"
NOTE_EN = "no zone in the text: Japan time assumed"
# A note that is a reading of the text (the corrected characters) stays as it is.
READING = "保全は同盟"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _quality_table(html: str) -> str:
    """The quality report's rows, and nothing else of the page."""
    at = html.index('id="preview-quality"')
    return html[at : html.index("</table>", at)]


def test_every_quality_kind_and_note_has_its_japanese_words() -> None:
    """The catalog has a translation for every kind code and every fixed note, so none
    falls back to English on a Japanese page."""
    ja = translations("ja").gettext
    for code, name in words.KIND_NAMES.items():
        assert ja(name) != name, code
    for note in ("no zone in the text: Japan time assumed", "no attendee could be read",
                 "no start time in the opening", ANNOUNCED, *LEFT_OUT_EN):  # fmt: skip
        said = words.note(ja, note)
        assert said != note
        assert not re.search(r"[a-z]{3}", said), said
    # An English reader reads the importer's own words; a reading stays a reading.
    en = translations("en").gettext
    assert words.note(en, "left out (database header)") == "left out (database header)"
    assert words.note(ja, READING) == READING
    # A kind code stored by a later importer, unknown here, is shown as it is.
    assert words.note(ja, "left out (something new)") == "left out (something new)"


@pytest.fixture
def author(node: Node) -> str:
    add_user(node, "sato", roles=["author", "releasing_officer"], password=PASSWORD)
    return "sato"


@SQLITE
def test_the_import_preview_and_the_meeting_page_say_the_quality_report_in_japanese(
    node: Node, author: str
) -> None:
    with TestClient(create_app(node)) as web:
        csrf = sign_in(web, author, lang="ja")
        preview = web.post(
            "/meetings/import",
            data={"csrf_token": csrf},
            files={"file": ("summary.txt", WITH_CHROME, "text/plain")},
        )
        assert preview.status_code == 200, preview.text
        # The meeting's kind, in the reader's language.
        assert '<dd id="p-kind">会談・会合の概要</dd>' in preview.text
        table = _quality_table(preview.text)
        for said in LEFT_OUT_JA + KINDS_JA + [NOTE_JA, READING]:
            assert said in table, said
        for english in LEFT_OUT_EN + KINDS_EN + [NOTE_EN]:
            assert english not in table, english
        data = re.search(r'name="data" value="([^"]+)"', preview.text)
        assert data is not None
        done = web.post(
            "/meetings/import/confirm",
            data={"csrf_token": _csrf(preview.text), "data": data.group(1)},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        meeting = web.get(done.headers["location"]).text
        report = meeting[meeting.index("<h2>品質報告</h2>") :]
        for said in LEFT_OUT_JA + KINDS_JA + [NOTE_JA, READING]:
            assert said in report, said
        for english in LEFT_OUT_EN + KINDS_EN + [NOTE_EN]:
            assert english not in report, english

        # The English pages say the importer's words, as before.
        web.get("/lang/en")
        english_page = web.get(done.headers["location"]).text
        for said in SHOWN_EN + KINDS_EN + [NOTE_EN]:
            assert said in english_page, said
        english_preview = web.post(
            "/meetings/import",
            data={"csrf_token": csrf},
            files={"file": ("summary.txt", WITH_CHROME, "text/plain")},
        ).text
        assert '<dd id="p-kind">meeting summary</dd>' in english_preview
        for said in SHOWN_EN + KINDS_EN + [NOTE_EN]:
            assert said in _quality_table(english_preview), said

    # The stored record keeps the importer's codes and English notes.
    stored = meetings.list_meetings(node, node.system)[0].object["quality"]
    assert {q["kind"] for q in stored} >= {"page-chrome", "zone-assumed", "chinese-usage"}
    assert {q["suggestion"] for q in stored} >= {*LEFT_OUT_EN, NOTE_EN}


ABOVE_JA = "区分：この区分はあなたの資格を超えています。自分の資格以下で書いてください。"
ABOVE_EN = "Label: this label is above your clearance: write at or below your own."


@SQLITE
@pytest.mark.parametrize(("lang", "said"), [("ja", ABOVE_JA), ("en", ABOVE_EN)])
def test_a_review_labelled_above_the_authors_clearance_is_refused_with_the_reason(
    node: Node, lang: str, said: str
) -> None:
    """The commitments review form answered a bare "you may not" (the reason lost on
    the error page): the form comes back, as sent, with the reason in the reader's
    language, and nothing is written."""
    user, _ = add_user(node, "low", clearance="CONFIDENTIAL", roles=["author"], password=PASSWORD)
    made = meetings.import_summary(node, user.principal, SEED, lang="ja")
    decision = next(o["id"] for o in made.objects if o["type"] == meetings_model.DECISION)
    with TestClient(create_app(node)) as web:
        csrf = sign_in(web, "low", lang=lang)
        refused = web.post(
            f"/commitments/{decision}/reviews",
            data={
                "csrf_token": csrf,
                "nation": "JPN",
                "score": "1",
                "evidence": "seen in 2025",
                "date": "2025-01-02",
                "label": "SECRET//REL TO JPN",
            },
        )
    assert refused.status_code == 403
    assert said in refused.text
    assert 'value="seen in 2025"' in refused.text
    assert "above the clearance of low" not in refused.text
    assert meetings.timeline(node, user.principal, decision)["reviews"] == []


def _observed(node: Node, user: str, lang: str, label: str) -> Any:
    """An observation sent by `user` from the cell's page at `label`."""
    with TestClient(create_app(node)) as web:
        csrf = sign_in(web, user, lang=lang)
        return web.post(
            "/intel/observations",
            data={
                "csrf_token": csrf,
                "observed_at": "2026-11-28T10:00:00Z",
                "place": "Naha",
                "description": "seen",
                "source_reliability": "C",
                "label": label,
            },
        )


@SQLITE
@pytest.mark.parametrize(("lang", "said"), [("ja", ABOVE_JA), ("en", ABOVE_EN)])
def test_an_observation_labelled_above_the_authors_clearance_is_refused_with_the_reason(
    node: Node, lang: str, said: str
) -> None:
    add_user(node, "low", clearance="CONFIDENTIAL", roles=["author"], password=PASSWORD)
    refused = _observed(node, "low", lang, "SECRET//REL TO JPN")
    assert refused.status_code == 403
    assert said in refused.text
    assert "above the clearance of low" not in refused.text


@SQLITE
@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", "この区分には、あなたが持たない区画が含まれています。"),
        ("en", "this label names a compartment you do not hold"),
    ],
)
def test_a_label_naming_a_compartment_not_held_says_so_not_above_the_clearance(
    node: Node, lang: str, said: str
) -> None:
    """Walk 40 #7: SECRET//CYBER by a SECRET author without CYBER was called above
    his clearance; the level is his, the compartment is what he lacks."""
    add_user(node, "mid", clearance="SECRET", roles=["author"], password=PASSWORD)
    refused = _observed(node, "mid", lang, "SECRET//CYBER//REL TO JPN")
    assert refused.status_code == 403
    assert said in refused.text
    assert "above" not in refused.text
