"""Page chrome: what a web page puts around the text, which an extractor leaves in.

Language switches (英語版/English), navigation (このページのトップへ戻る, Back to
Index), image and photo captions (画像1, image1.jpeg, (Photo)…-1, 両外相の様子),
link markers ((PDF)別ウィンドウで開く, Open a New Window), site and section names
(外務省・新着情報, アメリカ合衆国 above the title), bylines, like counters, the
header of a document database and a PDF's page numbers (- 2 -). Each is blanked with
spaces of the same length, so offsets into the text stay those of the original, and
reported as a finding.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

__all__ = ["Stripped", "strip_chrome"]

# Names of the sites and sections that publish the texts, above a text's title.
_SITES = (
    r"外務省・新着情報|アメリカ合衆国|報道発表|Press Releases?|"
    r"Japan-United States of America Relations|"
    r"U\.S\. Department of State|Office of the Spokes(?:man|person)|"
    r"Ministry of Defense|Ministry of Foreign Affairs|防衛省|外務省"
)
# A site's section put before the title on the title's own line, as a republishing
# site does ("Press Releases: U.S.-Japan … Fact Sheet"): the name goes, the title stays.
_SITE_PREFIX = re.compile(rf"^(?:{_SITES})\s?[:：]\s?(?=\S)", re.I)

# Whole lines (after trimming) that are chrome, with the kind reported.
_LINES: list[tuple[str, re.Pattern[str]]] = [
    (
        "language switch",
        re.compile(
            r"^(?:英語版\s?[/(（]?\s?English[)）]?|English|日本語|"
            r"In japane?se|In Japanese|Japanese version)$",
            re.I,
        ),
    ),
    (
        "navigation",
        re.compile(
            r"^(?:.{0,30}へ戻る|Back to .{0,80}|Page ?Top|ページの先頭へ|"
            r"Related Links?|関連リンク|印刷用ページ|Print)$",
            re.I,
        ),
    ),
    (
        "image",
        re.compile(
            r"^(?:画像\s?\d{0,3}|image\d{0,3}\.(?:jpe?g|png|gif)|image_pdfimage_print|"
            r"\(Photo\).{0,120}|写真.{0,30})$",
            re.I,
        ),
    ),
    ("image caption", re.compile(r"^.{2,40}(?:の様子|の模様)$")),
    ("link", re.compile(r"^.{0,160}\(PDF\)\s?(?:別ウィンドウで開く|Open a New Window)?\.?$")),
    ("counter", re.compile(r"^\d{1,4}$")),
    # A PDF's page numbers, wherever a page ended: - 2 -, 2 / 5, Page 2 of 5, 2ページ.
    (
        "page number",
        re.compile(
            r"^(?:[-–—]\s?\d{1,4}\s?[-–—]|\d{1,4}\s?/\s?\d{1,4}|Page\s\d{1,4}(?:\sof\s\d{1,4})?|"
            r"\d{1,4}\s?ページ)$",
            re.I,
        ),
    ),
    ("byline", re.compile(r"^[^|]{2,60}\s\|\s[^|]{2,60}$")),
    ("site", re.compile(rf"^(?:{_SITES}|Fact Sheet)$", re.I)),
    (
        "database header",
        re.compile(
            r"^(?:データベース『世界と日本』.{0,40}|日本政治・国際関係データベース|"
            r"政策研究大学院大学・東京大学東洋文化研究所|"
            r"\"The World and Japan\" Database.{0,60}|"
            r"Database of Japanese Politics and International Relations|"
            r"National Graduate Institute for Policy Studies.{0,120})$"
        ),
    ),
]
# Field names of the document database: the name goes, the value stays.
_FIELD = re.compile(
    r"^\s?\[(文書名|場所|年月日|出典|備考|全文|Title|Place|Date|Source|Notes|Full text)\]"
)
_DROP_FIELDS = {"出典", "備考", "全文", "Source", "Notes", "Full text", "場所", "Place"}
_INLINE = re.compile(
    r"\(PDF\)\s?(?:別ウィンドウで開く|Open a New Window)|別ウィンドウで開く|"
    r"Open a New Window|\(外部リンク\)|\(PDF\)"
)
_CAPTION = re.compile(r"^(?:[•・\-*]\s?)?(.{4,80}?)\s?-?\d$")
# Site and section names are chrome only above the text, before the first sentence.
_TOP_ONLY = {"site", "language switch", "counter", "image caption"}


@dataclass(frozen=True)
class ChromeFinding:
    kind: str
    offset: int
    found: str


@dataclass(frozen=True)
class Stripped:
    text: str  # the original with chrome blanked (same length, same offsets)
    found: list[ChromeFinding]


def _kind(line: str, top: bool) -> str | None:
    for kind, pattern in _LINES:
        if pattern.match(line) and (top or kind not in _TOP_ONLY):
            return kind
    return None


def _is_sentence(line: str) -> bool:
    return len(line) > 60 or line.endswith(("。", "．")) or line.count(". ") >= 1


def strip_chrome(text: str) -> Stripped:
    """Blank the chrome of a page's text; say what was blanked and where."""
    lines = text.split("\n")
    found: list[ChromeFinding] = []
    out: list[str] = []
    offset = 0
    top = True
    kept = False  # a line of the text kept: the title's, at first
    # Numbered photo captions: two or more lines that differ only by a final digit.
    stems = Counter(
        m.group(1)
        for ln in lines
        if (m := _CAPTION.match(unicodedata.normalize("NFKC", ln).strip()))
    )
    captions = {stem for stem, n in stems.items() if n >= 2}
    for original in lines:
        # Full-width forms (英語版／Ｅｎｇｌｉｓｈ) are chrome too: match on the folded
        # line where folding keeps its length, so offsets stay those of the original.
        folded = unicodedata.normalize("NFKC", original)
        line = folded if len(folded) == len(original) else original
        stripped = line.strip()
        lead = len(line) - len(line.lstrip())
        kind = _kind(stripped, top) if stripped else None
        cap = _CAPTION.match(stripped) if stripped else None
        if kind is None and cap is not None and cap.group(1) in captions:
            kind = "image caption"
        # Only on the title's line: the first the page keeps.
        titled = kind is None and stripped and not kept
        prefix = _SITE_PREFIX.match(stripped) if titled else None
        if prefix is not None:
            cut = lead + prefix.end()
            found.append(ChromeFinding("site", offset + lead, original[lead:cut].strip()))
            original = " " * cut + original[cut:]
        if kind is not None:
            found.append(ChromeFinding(kind, offset + lead, original.strip()))
            out.append(" " * len(line))
        else:
            field = _FIELD.match(line)
            if field:
                name = field.group(1)
                cut = len(line) if name in _DROP_FIELDS else field.end()
                found.append(ChromeFinding("database field", offset, original[:cut].strip()))
                original = " " * cut + original[cut:]
            for m in _INLINE.finditer(line):
                found.append(
                    ChromeFinding("link", offset + m.start(), original[m.start() : m.end()])
                )
                original = original[: m.start()] + " " * (m.end() - m.start()) + original[m.end() :]
            out.append(original)
            kept = kept or bool(stripped)
            if stripped and _is_sentence(stripped):
                top = False
        offset += len(line) + 1
    return Stripped("\n".join(out), found)
