"""Per sentence: who took which stance, on what, naming which entities.

Japanese sentences go through SudachiPy: a stance is a predicate (a verb, or a サ変
noun followed by する, or 議論を行う), its actor the nearest subject phrase before it
(日米双方は, 日本側から, 米側は, 四閣僚は), carried over from the previous sentence
when a sentence has none (また、…を歓迎し). 改めて or the prefix 再 mark a
restatement. English sentences match the same vocabulary on words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kizuna.domains.meetings.ingest.morph import Token, tokenize
from kizuna.domains.meetings.ingest.vocab import (
    ACTORS,
    ENGLISH_STANCE_VERBS,
    GAZETTEER,
    JA_STANCE_LEMMAS,
    TOPICS,
)

__all__ = ["Decision", "decisions_en", "decisions_ja", "entities_ja", "split_sentences"]


@dataclass
class Decision:
    actor: str
    stance: str
    entities: list[dict[str, str]]
    sentence: str
    topics: list[str] = field(default_factory=list)
    restated: bool = False
    keywords: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "actor": self.actor,
            "stance": self.stance,
            "entities": self.entities,
            "sentence": self.sentence,
            "topics": self.topics,
            "restated": self.restated,
        }


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences, keeping a parenthesis (with its own full stops) inside its sentence."""
    if lang == "en":
        protected = re.sub(
            r"\b(U\.S|D\.C|U\.K|e\.g|i\.e|No|Mr|Ms|Dr)\.", lambda m: m.group(1) + "\x00", text
        )
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(])", protected)
        return [p.replace("\x00", ".").strip() for p in parts if p.strip()]
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(（「":
            depth += 1
        elif ch in ")）」":
            depth = max(0, depth - 1)
        elif ch == "。" and depth == 0:
            out.append(text[start : i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return [s for s in out if s]


def _topics(sentence: str) -> list[str]:
    low = sentence.lower()
    return [
        key
        for key, (_, _, words) in TOPICS.items()
        if any((w.lower() in low) if w.isascii() else (w in sentence) for w in words)
    ]


def _ascii_runs(tokens: list[Token]) -> list[tuple[str, int]]:
    """Runs of Latin letters, digits, '-' and inner spaces: PAC + - + 3 + ' ' + MSE."""
    runs: list[tuple[str, int]] = []
    cur, begin = "", 0
    for tok in [*tokens, Token("、", "、", ("補助記号",), -1, -1)]:
        s = tok.surface
        if s and all(c.isascii() and (c.isalnum() or c in "- ") for c in s):
            if not cur:
                begin = tok.begin
            cur += s
            continue
        if cur.strip():
            runs.append((cur.strip(), begin))
        cur = ""
    return runs


def _is_acronym(text: str) -> bool:
    words = text.split()
    return sum(c.isupper() for c in text) >= 2 and all(
        sum(c.isupper() for c in w) >= 2 or w.replace("-", "").isdigit() for w in words
    )


def entities_ja(tokens: list[Token]) -> list[dict[str, str]]:
    """Bodies and acronyms, systems, places and nations named in a sentence."""
    found: dict[str, str] = {}
    for text, _ in _ascii_runs(tokens):
        for part in _split_run(text):
            found.setdefault(part, GAZETTEER.get(part, "acronym"))
    for n, tok in enumerate(tokens):
        if tok.has("固有名詞", "地名"):
            name = tok.surface
            # 尖閣 + 諸島, 普天間 + 飛行場, 台湾 + 海峡: the place with its kind noun.
            nxt = tokens[n + 1] if n + 1 < len(tokens) else None
            if nxt is not None and nxt.surface in ("諸島", "飛行場", "海峡", "半島", "基地", "海"):
                name += nxt.surface
            found.setdefault(name, "nation" if tok.has("国") else "place")
        elif tok.surface == "南西" and n + 1 < len(tokens) and tokens[n + 1].surface == "諸島":
            found.setdefault("南西諸島", "place")
    return [{"text": t, "kind": k} for t, k in found.items()]


def _split_run(text: str) -> list[str]:
    # "AMRAAM PAC-3 MSE" never happens in the summaries (a conjunction sits between),
    # but a known name inside a run is kept whole.
    if text in GAZETTEER or _is_acronym(text):
        return [text] if _is_acronym(text) or text in GAZETTEER else []
    return [w for w in text.split() if _is_acronym(w)]


def _actor_mentions(tokens: list[Token]) -> list[tuple[int, str]]:
    """(token index, actor key) for subject phrases: 日米双方は, 日本側から, 米側は."""
    mentions: list[tuple[int, str]] = []
    phrases = sorted(
        ((p, key) for key, spec in ACTORS.items() for p in spec["ja"]),
        key=lambda pk: -len(pk[0]),
    )
    n = 0
    while n < len(tokens):
        matched = False
        for phrase, key in phrases:
            if not phrase.startswith(tokens[n].surface):
                continue
            text, m = "", n
            while m < len(tokens) and len(text) < len(phrase):
                text += tokens[m].surface
                m += 1
            follows = tokens[m].surface if m < len(tokens) else ""
            then = tokens[m + 1].surface if m + 1 < len(tokens) else ""
            # 米側は / 日本側から、 name the speaker; 米側からの更なる技術開示 does not.
            if text == phrase and (
                follows in ("は", "も") or (follows == "から" and then in ("、", "は"))
            ):
                mentions.append((n, key))
                n = m
                matched = True
                break
        if not matched:
            n += 1
    return mentions


def _stance_at(tokens: list[Token], n: int) -> str | None:
    tok = tokens[n]
    stance = JA_STANCE_LEMMAS.get(tok.lemma)
    if tok.lemma == "交換" and n and tokens[n - 1].surface == "意見":
        stance = "discuss"  # 意見交換を行う
    if stance is None:
        return None
    nxt = tokens[n + 1] if n + 1 < len(tokens) else None
    after = tokens[n + 2] if n + 2 < len(tokens) else None
    is_predicate = tok.pos[0] == "動詞" or (
        nxt is not None
        and (
            nxt.lemma in ("為る", "する")
            or (nxt.surface == "を" and after is not None and after.lemma == "行う")
        )
    )
    if not is_predicate:
        return None
    if tok.lemma == "確認" and n and tokens[n - 1].surface == "再":
        return "reaffirm"
    return stance


def decisions_ja(sentence: str, inherited: str | None) -> tuple[list[Decision], str | None]:
    """Decisions of one Japanese sentence, and the actor the next sentence inherits."""
    tokens = tokenize(sentence)
    mentions = _actor_mentions(tokens)
    entities = entities_ja(tokens)
    topics = _topics(sentence)
    keywords = sorted(
        {t.lemma for t in tokens if t.has("名詞") and not t.has("数詞") and len(t.surface) > 1}
    )
    actor = inherited
    made: list[Decision] = []
    clause_start = 0
    for n in range(len(tokens)):
        for index, key in mentions:
            if index == n:
                actor = key
        stance = _stance_at(tokens, n)
        if stance is None or actor is None:
            continue
        clause = tokens[clause_start:n]
        restated = stance == "reaffirm" or any(t.surface == "改めて" for t in clause[-4:])
        window = {t.surface for t in clause[-5:]}
        if stance in ("express", "emphasize") and "懸念" in window:
            stance = "share concern"
        elif stance == "express" and "反対" in window:
            stance = "oppose"
        elif stance in ("express", "confirm") and restated:
            stance = "reaffirm"
        made.append(Decision(actor, stance, entities, sentence, topics, restated, keywords))
        clause_start = n + 1
    return made, actor


_EN_ACTOR_PATTERNS = sorted(
    ((p, key) for key, spec in ACTORS.items() for p in spec["en"]), key=lambda pk: -len(pk[0])
)
_EN_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*(?: MSE)?\b")


def decisions_en(sentence: str, inherited: str | None) -> tuple[list[Decision], str | None]:
    low = sentence.lower()
    actor = inherited
    for phrase, key in _EN_ACTOR_PATTERNS:
        if re.search(rf"(?:^|, |\. |and |also )\s*{re.escape(phrase)}\b", low):
            actor = key
            break
    entities: dict[str, str] = {}
    for m in _EN_ACRONYM.finditer(sentence):
        text = m.group(0)
        if sum(c.isupper() for c in text) >= 2 and text not in ("I", "US"):
            entities.setdefault(text, GAZETTEER.get(text, "acronym"))
    made: list[Decision] = []
    words = re.findall(r"[a-z]+(?: on)?", low)
    seen: set[str] = set()
    for word in words:
        stance = ENGLISH_STANCE_VERBS.get(word) or ENGLISH_STANCE_VERBS.get(word.split()[0])
        if stance is None or actor is None or stance in seen:
            continue
        seen.add(stance)
        if stance == "express" and "concern" in low:
            stance = "share concern"
        restated = stance == "reaffirm" or " again" in low
        made.append(
            Decision(
                actor,
                stance,
                [{"text": t, "kind": k} for t, k in entities.items()],
                sentence,
                _topics(sentence),
                restated,
                sorted({w for w in re.findall(r"[a-z]{4,}", low)}),
            )
        )
    return made, actor
