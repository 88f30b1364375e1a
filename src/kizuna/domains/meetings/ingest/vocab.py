"""The fixed bilingual vocabularies the parser maps text onto: stances, actors,
topics, and the gazetteer of bodies, systems and places the summaries name.

Stances are keys (English, lower case) with a Japanese and an English label. The
Japanese side lists the lemmas (SudachiPy normalized forms) of the predicates that
express them; the English side lists verb forms as they appear in joint statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = [
    "ACTORS",
    "ACTOR_NATIONS",
    "ENGLISH_STANCE_VERBS",
    "GAZETTEER",
    "GAZETTEER_ENTRIES",
    "JA_STANCE_LEMMAS",
    "NATION_ACTOR",
    "RESTATING_STANCES",
    "STANCES",
    "TOPICS",
    "TRADITIONAL_FORMS",
    "Place",
    "Stance",
    "place_zone",
]


@dataclass(frozen=True)
class Stance:
    key: str
    en: str
    ja: str


STANCES: dict[str, Stance] = {
    s.key: s
    for s in (
        Stance("reaffirm", "reaffirm", "再確認"),
        Stance("welcome", "welcome", "歓迎"),
        Stance("condemn", "condemn", "非難"),
        Stance("oppose", "oppose", "反対"),
        Stance("agree", "agree", "一致・合意"),
        Stance("express", "express", "表明"),
        Stance("emphasize", "emphasize", "強調"),
        Stance("confirm", "confirm", "確認"),
        Stance("recognize", "recognize", "認識"),
        Stance("share view", "share the view", "認識を共有"),
        Stance("note", "note", "留意"),
        Stance("request", "request", "要請"),
        Stance("urge", "urge", "促す"),
        Stance("discuss", "discuss", "議論"),
        Stance("commit", "commit", "コミット"),
        Stance("decide", "decide", "決定"),
        Stance("instruct", "instruct", "指示"),
        Stance("approve", "approve", "承認"),
        Stance("support", "support", "支持"),
        Stance("share concern", "share concern", "懸念"),
        Stance("celebrate", "celebrate", "祝福"),
        Stance("evaluate", "evaluate", "評価"),
        Stance("state", "state", "発言"),
    )
}

# Stances that restate an earlier decision: the register links them back.
RESTATING_STANCES = frozenset({"reaffirm"})

# SudachiPy normalized form of a predicate (a verb, or a サ変 noun followed by する)
# -> stance key.
JA_STANCE_LEMMAS: dict[str, str] = {
    "再確認": "reaffirm",
    "歓迎": "welcome",
    "非難": "condemn",
    "反対": "oppose",
    "一致": "agree",
    "合意": "agree",
    "同意": "agree",
    "表明": "express",
    "強調": "emphasize",
    "確認": "confirm",
    "認識": "recognize",
    "共有": "share view",
    "留意": "note",
    "注視": "note",
    "要請": "request",
    "求める": "request",
    "促す": "urge",
    "議論": "discuss",
    "意見交換": "discuss",
    "協議": "discuss",
    "コミット": "commit",
    "決意": "commit",
    "決定": "decide",
    "指示": "instruct",
    "承認": "approve",
    "支持": "support",
    "祝福": "celebrate",
    "祝う": "celebrate",
    "評価": "evaluate",
    "賞賛": "evaluate",
    "称賛": "evaluate",
    "発言": "state",
    "述べる": "state",
    "説明": "state",
    "宣言": "state",
    "懸念": "share concern",
}

# Verb forms in English statements -> stance key (matched on whole words; a
# two-word form is matched before its first word).
ENGLISH_STANCE_VERBS: dict[str, str] = {
    "reaffirmed": "reaffirm",
    "reaffirm": "reaffirm",
    "reconfirmed": "reaffirm",
    "reiterated": "reaffirm",
    "renewed": "reaffirm",
    "welcomed": "welcome",
    "extended his welcome": "welcome",
    "extended her welcome": "welcome",
    "condemned": "condemn",
    "opposed": "oppose",
    "agreed": "agree",
    "concurred": "agree",
    "decided": "decide",
    "determined": "commit",
    "resolved": "commit",
    "pledges": "commit",
    "pledged": "commit",
    "committed": "commit",
    "expressed": "express",
    "emphasized": "emphasize",
    "underscored": "emphasize",
    "stressed": "emphasize",
    "highlighted": "emphasize",
    "confirmed": "confirm",
    "affirmed": "confirm",
    "recognized": "recognize",
    "acknowledged": "recognize",
    "shared the view": "share view",
    "shared the understanding": "share view",
    "shared the understandings": "share view",
    "shared their concerns": "share concern",
    "shared concerns": "share concern",
    "shared concern": "share concern",
    "noted": "note",
    "requested": "request",
    "called for": "request",
    "urged": "urge",
    "called on": "urge",
    "discussed": "discuss",
    "exchanged views": "discuss",
    "had discussions": "discuss",
    "exchanged their views": "discuss",
    "instructed": "instruct",
    "approved": "approve",
    "supported": "support",
    "celebrated": "celebrate",
    "praised": "evaluate",
    "commended": "evaluate",
    "appreciated": "evaluate",
    "evaluated": "evaluate",
    "stated": "state",
    "explained": "state",
    "pointed out": "state",
}

# Actor keys and how the texts name them (subject phrases, ja and en). Named people
# are resolved through the attendees (see decisions.py).
ACTORS: dict[str, dict[str, tuple[str, ...] | str]] = {
    "both": {
        "en_label": "Japan and the United States",
        "ja_label": "日米双方",
        "ja": (
            "日米双方",
            "日米両国",
            "日米両政府",
            "日米",
            "両国",
            "双方",
            "両者",
            "両閣僚",
            "両外相",
            "両大臣",
            "両首脳",
            "両長官",
            "閣僚",
        ),
        "en": (
            "both sides",
            "the two sides",
            "japan and the united states",
            "the united states and japan",
            "both countries",
            "the two countries",
            "the two ministers",
            "the ministers",
            "the two governments",
            "they",
            "the scc members",
            "the members of the security consultative committee",
            "the scc",
            "the security consultative committee",
            "both ministers",
        ),
    },
    "four ministers": {
        "en_label": "the four ministers",
        "ja_label": "四閣僚",
        "ja": ("四閣僚", "4閣僚"),
        "en": ("the four ministers", "the four"),
    },
    "japan": {
        "en_label": "Japan",
        "ja_label": "日本側",
        "ja": ("日本側", "日本政府", "日本", "我が国"),
        "en": ("the japanese side", "japan", "the government of japan", "the goj"),
    },
    "united states": {
        "en_label": "the United States",
        "ja_label": "米側",
        "ja": ("米側", "米国側", "米国政府", "米国"),
        "en": (
            "the u.s. side",
            "the united states",
            "the us side",
            "the u.s.",
            "the u.s. government",
            "the united states government",
        ),
    },
}

# Which nations an actor speaks for: a review scores the nations, not the phrases.
ACTOR_NATIONS: dict[str, tuple[str, ...]] = {
    "both": ("JPN", "USA"),
    "four ministers": ("JPN", "USA"),
    "japan": ("JPN",),
    "united states": ("USA",),
}
NATION_ACTOR = {"JPN": "japan", "USA": "united states"}

# topic key -> (en, ja, words that mark it in ja or en text)
TOPICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "command and control": (
        "command and control",
        "指揮・統制",
        ("指揮・統制", "ACM", "JJOC", "調整メカニズム", "command and control", "coordination"),
    ),
    "deterrence": (
        "deterrence and response",
        "抑止力・対処力",
        ("抑止", "対処力", "第5条", "核", "deterrence", "Article V"),
    ),
    "china": ("China", "中国", ("中国", "China", "東シナ海", "尖閣", "Senkaku")),
    "taiwan": ("Taiwan Strait", "台湾海峡", ("台湾", "Taiwan")),
    "north korea": ("North Korea", "北朝鮮", ("北朝鮮", "North Korea", "DPRK", "拉致")),
    "russia": ("Russia and Ukraine", "ロシア・ウクライナ", ("ロシア", "露", "Russia", "Ukraine")),
    "intelligence": (
        "ISR and intelligence",
        "ISR・情報",
        ("ISR", "BIAC", "情報収集", "偵察", "intelligence", "reconnaissance"),
    ),
    "cyber and space": (
        "cyber, space and cross-domain",
        "サイバー・宇宙・領域横断",
        ("サイバー", "宇宙", "電磁波", "領域横断", "cyber", "space", "cross-domain"),
    ),
    "defense industry": (
        "defense industry and co-production",
        "防衛産業・共同生産",
        (
            "DICAS",
            "防衛産業",
            "共同生産",
            "サプライチェーン",
            "AMRAAM",
            "PAC-3",
            "co-produc",
            "industr",
            "supply chain",
        ),
    ),
    "exercises": (
        "training and exercises",
        "訓練・演習",
        ("訓練", "演習", "WG-FFTR", "exercise", "training"),
    ),
    "force posture": (
        "force posture and realignment",
        "米軍の態勢・再編",
        (
            "態勢",
            "再編",
            "普天間",
            "辺野古",
            "グアム",
            "沖縄",
            "posture",
            "Futenma",
            "Henoko",
            "Guam",
            "Okinawa",
        ),
    ),
    "stand-off and counterstrike": (
        "stand-off and counterstrike capabilities",
        "スタンド・オフ防衛能力・反撃能力",
        ("スタンド・オフ", "反撃能力", "stand-off", "counterstrike"),
    ),
    "multilateral": (
        "multilateral cooperation",
        "多国間協力",
        ("多国間", "ASEAN", "NATO", "豪", "韓", "比", "multilateral", "Australia", "Philippines"),
    ),
    "local communities": (
        "local communities and safe operations",
        "地元・安全な運用",
        ("地元", "地域社会", "事件・事故", "環境", "local communit", "accident"),
    ),
}


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # nation, region, place, organisation, body, system, capability
    key: str  # the canonical English name
    zone: str | None  # IANA zone of a place with a clock


def _load_gazetteer() -> dict[str, Place]:
    text = resources.files("kizuna.data").joinpath("meetings/gazetteer.tsv").read_text("utf-8")
    out: dict[str, Place] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        out[cols[0]] = Place(cols[0], cols[1], cols[2], cols[3] if len(cols) > 3 else None)
    return out


# Names the texts use (the editable data file kizuna/data/meetings/gazetteer.tsv).
GAZETTEER_ENTRIES: dict[str, Place] = _load_gazetteer()
GAZETTEER: dict[str, str] = {name: p.kind for name, p in GAZETTEER_ENTRIES.items()}


def place_zone(name: str) -> str | None:
    """The IANA zone of a place the gazetteer knows (Washington -> America/New_York)."""
    entry = GAZETTEER_ENTRIES.get(name.strip())
    if entry is None:
        for known, place in GAZETTEER_ENTRIES.items():
            if place.zone and len(known) > 3 and known in name:
                return place.zone
        return None
    return entry.zone


# Traditional or Chinese forms that a PDF extraction (or a careless edit) leaves in
# Japanese text -> the form Japanese text uses.
TRADITIONAL_FORMS: dict[str, str] = {
    "兩": "両",
    "國": "国",
    "與": "与",
    "實": "実",
    "對": "対",
    "關": "関",
    "發": "発",
    "會": "会",
    "體": "体",
    "學": "学",
    "經": "経",
    "戰": "戦",
    "處": "処",
    "廣": "広",
    "來": "来",
    "爲": "為",
    "號": "号",
    "權": "権",
    "歸": "帰",
    "區": "区",
    "圍": "囲",
    "當": "当",
    "黨": "党",
    "變": "変",
    "邊": "辺",
    "參": "参",
    "擧": "挙",
    "證": "証",
    "觀": "観",
    "說": "説",
    "讓": "譲",
    "從": "従",
    "應": "応",
    "續": "続",
    "傳": "伝",
    "圖": "図",
    "團": "団",
    "灣": "湾",
    "臺": "台",
    "衞": "衛",
    "爭": "争",
    "们": "たち",
    "这": "この",
    "对": "対",
    "发": "発",
    "关": "関",
    "经": "経",
    "战": "戦",
    "协": "協",
    "议": "議",
    "长": "長",
    "问": "問",
    "题": "題",
    "东": "東",
}
