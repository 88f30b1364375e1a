"""Normalize an extracted summary without losing meaning, and report what looks wrong.

Two outputs, never mixed: the normalized text the parser reads (compatibility forms
folded by NFKC, lines broken across page breaks or inside a paragraph rejoined) and a
quality report of
suspicious characters in the *original* text, each with its position and a
suggested reading. Suggestions are never applied: the stored original and the
normalized text both keep what the document says, and the analyst decides. The one
exception is a bidirectional control (U+202E and its kin), which says nothing in a
Japanese or English text and would show every reader of an item or a decision its
words reordered: the normalized text leaves it out, and the report names it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass

from kizuna.domains.meetings.ingest.morph import Token, tokenize
from kizuna.domains.meetings.ingest.vocab import TRADITIONAL_FORMS
from kizuna.stix.validate import BIDI_CONTROLS

__all__ = [
    "LEFT_OUT_OF_READING",
    "Finding",
    "Normalized",
    "ends_open",
    "normalize",
    "position",
    "quality",
]

# The note of a character the normalized text leaves out.
LEFT_OUT_OF_READING = "left out of the text the importer reads"

_ASCII_COMMA = re.compile(r"(?<=[^\x00-\x7f]),(?=[^\s\d])")
# Where the token checks below can fire: 是, a hiragana doubled, ず before a noun, て
# after a kanji or ん (強じんて).
_SUSPECT = re.compile(
    r"是|([\u3041-\u3096])\1|ず(?=[\u4e00-\u9fff\u30a1-\u30fa])|(?<=[\u4e00-\u9fffん])て"
)
_WINDOW = 12
_TERMINAL = tuple("。．.!?！？）)」』:：")
_ITEM_START = ("(", "（", "- (", "-(", "・")
# What begins a part of its own, never the rest of the line above: a bullet, a
# numbered heading (第1, I.), a footnote.
_BLOCK_START = re.compile(
    r"^(?:[•\-*●○◆■▪※]|第\s?[0-9０-９一二三四五六七八九十]|[IVX]{1,4}[.．]\s|\[\d)"
)
# English words a sentence does not end on: a line ending on one was cut inside it.
_OPEN_WORDS = frozenset(
    re.split(
        r"\s",
        "a an the of to in on at by for with from into between among and or nor but that "
        "which who whose as than its their his her our your this these those",
    )
)
# Japanese particles (and the comma) a sentence or a heading does not end on.
_OPEN_JA = tuple("のにをはがでとへやも、，,")
# Auxiliaries that legitimately follow a verb's irrealis (未然形) stem.
_AFTER_IRREALIS = {
    "ない",
    "ぬ",
    "ず",
    "れる",
    "られる",
    "せる",
    "させる",
    "う",
    "よう",
    "まい",
    "す",
}


@dataclass(frozen=True)
class Finding:
    # traditional-form, chinese-usage, doubled-kana, voicing, page-break, line-joined,
    # bidi-control
    kind: str
    position: dict[str, int]  # offset (0-based, original text), line and column (1-based)
    found: str
    suggestion: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


_Report = Callable[[str, int, str, str], None]  # kind, offset in the line, found, suggestion


@dataclass(frozen=True)
class Normalized:
    text: str
    findings: list[Finding]


def position(text: str, offset: int) -> dict[str, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return {"offset": offset, "line": line, "column": column}


def _is_heading_or_item(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith(_ITEM_START):
        return True
    head = stripped.split(" ", 1)[0].split("　", 1)[0].rstrip(".")
    return head.isdigit() and len(stripped) < 40


def _continues(previous: str, following: str, lang: str, adjacent: bool) -> bool:
    """True when `following` is the rest of a line a page break cut off, or (`adjacent`:
    no blank line between them) the rest of a paragraph's line an extractor broke."""
    prev = previous.rstrip()
    nxt = following.strip()
    if not prev or not nxt or prev.endswith(_TERMINAL) or _is_heading_or_item(nxt):
        return False
    if lang == "en":
        return nxt[0].islower() or (adjacent and _cut_en(prev, nxt))
    # A Japanese page line runs the width of the page; headings and titles are short.
    if len(prev) >= 30 and not nxt[0].isdigit():
        return True
    return adjacent and prev.endswith(_OPEN_JA) and not _starts_part(nxt)


def _starts_part(line: str) -> bool:
    return _BLOCK_START.match(line) is not None or line[0].isdigit()


def _cut_en(prev: str, nxt: str) -> bool:
    """A line a heading is not: it ends inside a word (Indo-), on a word no sentence
    ends on (…the transition of), or in a sentence already under way (a line of
    eight words and more with a comma: …, Secretary of State Marco)."""
    if _starts_part(nxt) or not nxt[0].isalpha():
        return False
    words = prev.split()
    if prev.endswith("-") and prev[-2:-1].isalpha():
        return True
    if words[-1].lower() in _OPEN_WORDS:
        return True
    return len(words) >= 8 and ", " in prev and not _is_heading_or_item(prev)


def ends_open(line: str, lang: str) -> bool:
    """Whether a line ends as no heading does: inside a word or a sentence."""
    line = line.rstrip()
    if not line:
        return False
    if lang == "ja":
        return line.endswith(_OPEN_JA)
    return line.endswith(("-", ",")) or line.split()[-1].lower() in _OPEN_WORDS


def normalize(original: str, lang: str) -> Normalized:
    """NFKC per line, page-broken lines rejoined; findings name each rejoin."""
    lines = original.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    offsets: list[int] = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    out: list[str] = []
    findings: list[Finding] = []
    i = 0
    while i < len(lines):
        current = lines[i]
        j = i + 1
        while True:
            k = j
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k >= len(lines) or not _continues(current, lines[k], lang, k == j):
                break
            tail, head = current.rstrip(), lines[k].strip()
            if lang == "en" and tail.endswith("-") and head[0].isupper():
                # Indo-⏎Pacific: the hyphen is the word's own (Indo-Pacific).
                joined, glue = tail + head, ""
            elif lang == "en" and tail.endswith("-"):
                joined, glue = tail[:-1] + head, ""
            else:
                glue = "" if lang == "ja" else " "
                joined = tail + glue + head
            word = _word_across(tail, head, glue, lang)
            # A break between two words is a line joined, not a word mended: the text
            # may as well have lost something there (a list a web page dropped).
            findings.append(
                Finding(
                    "page-break" if word else "line-joined",
                    position(original, offsets[i] + len(tail)),
                    f"{tail[-3:]}⏎{head[:3]}",
                    word or tail[-8:] + glue + head[:8],
                )
            )
            current = joined
            j = k + 1
        out.append(current)
        i = j
    folded = [BIDI_CONTROLS.sub("", unicodedata.normalize("NFKC", line)) for line in out]
    if lang == "ja":
        # Older pages write the full-width comma (NFKC makes it ","): read it as 、,
        # but not in the English of a bracket (", Secretary of State") or a number.
        folded = [_ASCII_COMMA.sub("、", line) for line in folded]
    text = "\n".join(folded)
    return Normalized(text, findings)


def _word_across(tail: str, head: str, glue: str, lang: str) -> str:
    """The word the page break cut in two, as the rejoined text reads it; "" when it
    fell between two words."""
    if lang == "en":
        if glue:
            return ""  # an English line ends at a space unless a hyphen cut a word
        if head[:1].isupper():
            return tail.rsplit(" ", 1)[-1] + head.split(" ", 1)[0]
        return tail.rstrip("-").rsplit(" ", 1)[-1] + head.split(" ", 1)[0]
    window = tail[-12:] + head[:12]
    cut = len(tail[-12:])
    for token in tokenize(window):
        if token.begin < cut < token.end:
            return token.surface
    return ""


def quality(original: str, lang: str) -> list[Finding]:
    """Suspicious characters in the original text, with a suggested reading each."""
    findings: list[Finding] = []
    offset = 0
    for line in original.split("\n"):
        if line.strip():
            findings += _line_findings(original, line, offset, lang)
        offset += len(line) + 1
    return findings


def _line_findings(original: str, line: str, base: int, lang: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, at: int, text: str, suggestion: str) -> None:
        found.append(Finding(kind, position(original, base + at), text, suggestion))

    for at, ch in enumerate(line):
        if ch in TRADITIONAL_FORMS:
            add("traditional-form", at, ch, TRADITIONAL_FORMS[ch])
    for hit in BIDI_CONTROLS.finditer(line):
        add("bidi-control", hit.start(), f"U+{ord(hit.group()):04X}", LEFT_OUT_OF_READING)
    if lang != "ja":
        return found
    # Only the words around a place where an extraction error can be are tokenized
    # (是, a doubled kana, ず or て after a noun): the check costs a fraction of a pass.
    seen: set[tuple[str, int]] = set()

    def add_once(kind: str, at: int, text: str, suggestion: str) -> None:
        if (kind, at) not in seen:
            seen.add((kind, at))
            add(kind, at, text, suggestion)

    for hit in _SUSPECT.finditer(line):
        begin = max(0, hit.start() - _WINDOW)
        tokens = tokenize(line[begin : hit.end() + _WINDOW])
        tokens = [Token(t.surface, t.lemma, t.pos, t.begin + begin, t.end + begin) for t in tokens]
        for n, tok in enumerate(tokens):
            if not (tok.begin < hit.end() and tok.end > hit.start()):
                continue
            prev = tokens[n - 1] if n else None
            nxt = tokens[n + 1] if n + 1 < len(tokens) else None
            _check_token(tok, prev, nxt, add_once)
    return found


def _check_token(tok: Token, prev: Token | None, nxt: Token | None, report: _Report) -> None:
    # 是 between two nouns is the Chinese copula (Japanese writes は there).
    if tok.surface == "是" and prev and nxt and prev.is_noun and nxt.is_noun:
        report(
            "chinese-usage",
            tok.begin,
            prev.surface + "是" + nxt.surface,
            prev.surface + "は" + nxt.surface,
        )
    # A kana doubled by the extraction: いか|な|なく (行かなく), where no auxiliary
    # of that form can follow the irrealis stem.
    if (
        prev is not None
        and nxt is not None
        and len(tok.surface) == 1
        and "\u3041" <= tok.surface <= "\u3096"
        and nxt.surface.startswith(tok.surface)
        and any(p.startswith("未然形") for p in prev.pos)
        and tok.lemma not in _AFTER_IRREALIS
    ):
        report(
            "doubled-kana",
            tok.begin,
            prev.surface + tok.surface + nxt.surface,
            prev.surface + nxt.surface,
        )
    # A lost voicing mark: negative ず cannot qualify a noun (揺るがず動き), the
    # attributive す can (揺るがす動き).
    if (
        prev is not None
        and nxt is not None
        and tok.surface == "ず"
        and tok.has("助動詞")
        and nxt.has("名詞")
    ):
        report(
            "voicing",
            tok.begin,
            prev.surface + "ず" + nxt.surface,
            prev.surface + "す" + nxt.surface,
        )
    # て straight after a nominal adjective (強じんて) is a lost voicing mark of で.
    if prev is not None and tok.surface == "て" and prev.has("形状詞可能"):
        report("voicing", tok.begin, prev.surface + "て", prev.surface + "で")
