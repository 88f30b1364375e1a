"""Per Japanese sentence: who took which stance, on what, naming which entities.

Sentences go through SudachiPy: a stance is a predicate (a verb, or a サ変 noun
followed by する, or 議論を行う), its actor the nearest subject phrase before it
(日米双方は, 両外相は, 日本側から, 林大臣から, 河野・小野寺両大臣及びマクマスター補佐官は),
resolved to a nation through the attendees; a sentence without one carries the
previous sentence's actor, and an item without any speaks for both sides. 改めて or
the prefix 再 mark a restatement. A stance that qualifies a noun (首脳間で一致した
事項) reports another meeting's decision: it is kept, marked reported, with that
meeting's name where the sentence gives it. A stance inside the clause of another
(反対することを確認した) is the content of that other one, not a decision of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kizuna.domains.meetings.ingest.entities import entities_ja
from kizuna.domains.meetings.ingest.morph import Token, tokenize
from kizuna.domains.meetings.ingest.people import Attendee, nation_of_title_ja
from kizuna.domains.meetings.ingest.vocab import ACTORS, JA_STANCE_LEMMAS, NATION_ACTOR, TOPICS

__all__ = ["Decision", "decisions_ja", "resolve_nations", "split_sentences", "topics_of"]


@dataclass
class Decision:
    actor: str
    stance: str
    entities: list[dict[str, str]]
    sentence: str
    topics: list[str] = field(default_factory=list)
    restated: bool = False
    keywords: list[str] = field(default_factory=list)
    speaker: str = ""  # the person named as the actor (林大臣, Secretary Clinton)
    reported: bool = False  # a decision of another meeting, reported here
    reported_from: str = ""  # that meeting, where the sentence names it
    clause: str = ""  # the words that lead to the stance (classification reads them)
    commitment: bool = False
    owner: str = ""
    due: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "actor": self.actor,
            "stance": self.stance,
            "entities": self.entities,
            "sentence": self.sentence,
            "topics": self.topics,
            "restated": self.restated,
            "reported": self.reported,
            "commitment": self.commitment,
        }
        for key in ("speaker", "reported_from", "owner", "due"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.own_words:
            out["clause"] = self.own_words
        return out

    @property
    def own_words(self) -> str | None:
        """The clause, where it is not the whole sentence: what tells this decision from
        the others of a sentence that decides several things (…に反対し、…を確認した)."""
        words = self.clause.strip()
        return words if words and words != self.sentence.strip() else None


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences, keeping a parenthesis (with its own full stops) inside its sentence."""
    if "\n" in text:
        return [s for part in text.split("\n") for s in split_sentences(part, lang)]
    if lang == "en":
        protected = re.sub(
            r"\b(U\.S|D\.C|U\.K|e\.g|i\.e|No|Mr|Ms|Dr|Gen|a\.m|p\.m)\.",
            lambda m: m.group(1) + "\x00",
            text,
        )
        parts = re.split(r"(?<=[.!?;])\s+(?=[A-Z\"“(])", protected)
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


_TOPIC_KEYS = list(TOPICS)
_TOPICS = re.compile(
    "|".join(
        f"(?P<t{n}>" + "|".join(re.escape(w) for w in TOPICS[key][2]) + ")"
        for n, key in enumerate(_TOPIC_KEYS)
    ),
    re.IGNORECASE,
)


def topics_of(sentence: str) -> list[str]:
    """Topics whose words the sentence uses, in the vocabulary's order (one scan)."""
    hits = {int(m.lastgroup[1:]) for m in _TOPICS.finditer(sentence) if m.lastgroup}
    return [_TOPIC_KEYS[n] for n in sorted(hits)]


def resolve_nations(names: list[tuple[str, str]], people: list[Attendee]) -> set[str]:
    """Nations of people named (name, title): an attendee with that name, else the title."""
    nations: set[str] = set()
    for name, title in names:
        match = [p for p in people if name and (name in p.name or name in p.name_en)]
        if match:
            nations.add(match[0].nation)
        elif title.startswith("両") and not name:
            nations |= {"JPN", "USA"}
        else:
            nations.add(
                nation_of_title_ja(title)
                if not title.endswith(("長官", "司令官", "補佐官", "大統領"))
                else "USA"
            )
    return nations


def actor_of(nations: set[str]) -> str:
    if nations >= {"JPN", "USA"}:
        return "both"
    if nations:
        return NATION_ACTOR[next(iter(nations))]
    return "both"


_FIXED = sorted({p for spec in ACTORS.values() for p in spec["ja"]}, key=len, reverse=True)
_FIXED_KEY = {p: key for key, spec in ACTORS.items() for p in spec["ja"]}
_TITLE = (
    r"両大臣|両外相|両閣僚|両長官|外務大臣|防衛大臣|国務長官|国防長官|大臣|長官|司令官|補佐官|"
    r"外相|防衛相|総理|首相|大統領"
)
_NAME = r"(?:[\u30a1-\u30fa\u30fc]{2,12}|[\u4e00-\u9fff々]{1,4}?)"
_PERSON = rf"(?:{_NAME}(?:・{_NAME}){{0,3}})?(?:米国?)?(?:{_TITLE})"
_PARTICLE = r"(?:からは|からも|から(?=[、,])|は|も)"
_SUBJECT = re.compile(
    rf"((?:{_PERSON})(?:(?:及び|並びに|と|、|,)(?:{_PERSON})){{0,4}}|"
    + "|".join(re.escape(p) for p in _FIXED)
    + rf"){_PARTICLE}"
)
_ONE_PERSON = re.compile(rf"({_NAME}(?:・{_NAME}){{0,3}})?(?:米国?)?({_TITLE})")
_JA_MEETING = re.compile(
    r"(日米[^、。\s]{0,12}?(?:首脳会談|会談|会合|委員会|首脳電話会談)|「2\+2」)"
)


def _mentions(sentence: str, people: list[Attendee]) -> list[tuple[int, str, str]]:
    """(character offset, actor key, speaker as written) of each subject phrase."""
    out: list[tuple[int, str, str]] = []
    for m in _SUBJECT.finditer(sentence):
        phrase = m.group(1)
        if phrase in _FIXED_KEY:
            # 日米 and 閣僚 name a speaker only right before the particle and not
            # inside a longer noun (日米同盟は is not a speaker).
            out.append((m.start(), _FIXED_KEY[phrase], ""))
            continue
        names = [(p.group(1) or "", p.group(2)) for p in _ONE_PERSON.finditer(phrase)]
        names = [(n, t) for n, t in names if n not in ("同", "各")]
        if not names:
            continue
        out.append((m.start(), actor_of(resolve_nations(names, people)), phrase))
    return out


def _is_attributive(tokens: list[Token], n: int) -> bool:
    """True when the predicate at n qualifies a noun (一致した事項): a report."""
    m, past = n + 1, False
    while m < len(tokens) and tokens[m].lemma in ("為る", "する", "た", "れる", "られる"):
        past = past or tokens[m].lemma == "た"
        m += 1
    if not past or m >= len(tokens):
        return False
    nxt = tokens[m]
    if nxt.surface == "こと":
        # 基本合意したことを踏まえ: an earlier agreement the meeting builds on.
        rest = "".join(t.surface for t in tokens[m + 1 : m + 4])
        return rest.startswith(("を踏まえ", "を受け"))
    return nxt.has("名詞") and nxt.surface not in ("旨", "上", "ため", "後", "中", "際", "の")


def _qualified_end(tokens: list[Token], n: int) -> int:
    """The index of the last word of the noun an attributive stance at n qualifies
    (一致した事項, 基本合意したこと): the report is named by that noun."""
    m = n + 1
    while m < len(tokens) and tokens[m].lemma in ("為る", "する", "た", "れる", "られる"):
        m += 1
    last = n
    while m < len(tokens) and (tokens[m].has("名詞") or tokens[m].pos[0] == "接尾辞"):
        last, m = m, m + 1
    return last


def _not_a_decision(tokens: list[Token], n: int) -> bool:
    """協議する予定 (a plan), 一致して (jointly), 要請を行う場合 (a condition)."""
    ahead = "".join(t.surface for t in tokens[n + 1 : n + 5])
    if "予定" in ahead or ahead.startswith(("して圧力", "を行う場合", "する場合", "した場合")):
        return True
    return tokens[n].lemma == "一致" and ahead.startswith("して")


def _is_complement(tokens: list[Token], n: int) -> bool:
    """True for 反対することを確認 / 協力していくことで一致: the stance at n is content."""
    for m in range(n + 1, min(n + 7, len(tokens))):
        surface = tokens[m].surface
        if surface in ("こと", "との", "旨", "と") and m + 1 < len(tokens):
            rest = tokens[m + 1 : m + 8]
            return any(JA_STANCE_LEMMAS.get(t.lemma) for t in rest)
        if surface in ("、", "。", "し", "が") and m > n + 2:
            return False
    return False


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
    before = tokens[n - 2].surface if n >= 2 else ""
    if tok.lemma == "共有":
        # 認識を共有 / 懸念を共有; 情報を共有する is not a stance.
        return {"認識": "share view", "見解": "share view", "懸念": "share concern"}.get(before)
    if tok.lemma == "確認" and n and tokens[n - 1].surface == "再":
        return "reaffirm"
    return stance


# Words that, after a stance, still belong to it: …するとともに、…したことを踏まえ、
# …したのに対し、…した上で、.
_TAILS = frozenset({"とも", "共", "こと", "上", "対し", "際"})


def _leans_back(tok: Token) -> bool:
    """A word that attaches to the one before it: a particle, an auxiliary, a suffix,
    punctuation, a verb that follows another word (し of 確認し, いる, おる), or one of
    the `_TAILS`."""
    return (
        tok.pos[0] in ("助詞", "助動詞", "接尾辞", "補助記号")
        or (tok.pos[0] == "動詞" and "非自立可能" in tok.pos)
        or tok.surface in _TAILS
    )


def decisions_ja(
    sentence: str, inherited: str | None, people: list[Attendee] | None = None
) -> tuple[list[Decision], str | None]:
    """Decisions of one Japanese sentence, and the actor the next sentence inherits."""
    tokens = tokenize(sentence)
    mentions = _mentions(sentence, people or [])
    entities = entities_ja(sentence, tokens)
    topics = topics_of(sentence)
    keywords = sorted(
        {
            t.lemma
            for t in tokens
            if t.pos[0] == "名詞" and t.pos[1] != "数詞" and len(t.surface) > 1
        }
    )
    actor, speaker, named_here = inherited, "", False
    made: list[Decision] = []
    clause_start = 0
    pending = list(mentions)
    for n, tok in enumerate(tokens):
        while pending and pending[0][0] <= tok.begin:
            _, actor, speaker = pending.pop(0)
            named_here = True
        stance = _stance_at(tokens, n)
        if stance is None:
            continue
        if _is_complement(tokens, n) or _not_a_decision(tokens, n):
            continue
        clause = tokens[clause_start:n]
        # Shown on its own, a clause does not begin with what ends the one before it
        # (再確認し、… : the し、 is the previous stance's).
        lead = next((t for t in clause if not _leans_back(t)), None)
        reported = _is_attributive(tokens, n)
        # A report is named by the noun it qualifies (…首脳間で一致した事項), and the
        # sentence's next decision builds on it (…事項を踏まえつつ、…を確認した): its
        # clause reads on to that noun, and the next one's keeps it, never cut after 一致.
        end = tokens[_qualified_end(tokens, n)].end if reported else tok.end
        clause_text = sentence[lead.begin if lead else tok.begin : end]
        restated = stance == "reaffirm" or any(t.surface == "改めて" for t in clause[-4:])
        window = {t.surface for t in clause[-5:]}
        if stance in ("express", "emphasize") and "懸念" in window:
            stance = "share concern"
        elif stance == "express" and "反対" in window:
            stance = "oppose"
        elif stance in ("express", "confirm") and restated:
            stance = "reaffirm"
        if sentence[tok.end : tok.end + 16].startswith(
            ("するとのコミットメントを新たに", "とのコミットメントを新たに")
        ):
            stance = "reaffirm"  # 反対するとのコミットメントを新たにした: a renewed commitment
        who = actor or "both"
        if stance == "agree" and not named_here:
            who = "both"  # agreeing takes two: an inherited single side does not agree alone
        source = ""
        if reported:
            found = _JA_MEETING.findall(sentence[: tok.begin])
            source = found[-1] if found else ""
        made.append(
            Decision(
                who,
                stance,
                entities,
                sentence,
                topics,
                restated,
                keywords,
                speaker=speaker,
                reported=reported,
                reported_from=source,
                clause=clause_text,
            )
        )
        if not reported:
            clause_start = n + 1
    return made, actor
