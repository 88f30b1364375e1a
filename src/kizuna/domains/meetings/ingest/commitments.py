"""Commitment or position: is a decision an action someone will take, or a statement?

A commitment is a decision to act — agreed, confirmed, committed, decided,
instructed, approved, or a welcome of an initiative — whose clause names an action
(establish, start, strengthen, expand, relocate, co-produce, hold …). Everything else
is a position: condemning, concern, opposing, noting, or affirming a principle
(…の重要性を確認, the importance of …). The owner is the actor unless the clause
names who acts (米側が…, Japan will …); the due date is the one the clause states
(2024年に開始, by the end of May, 年内, later in the year). Japan's fiscal year runs
from April to March: a due in a fiscal year (2026年度内, 令和8年度中, 今年度内, 来年度中)
is the day it ends, 31 March of the next calendar year, held as that day
(`2027-03-31`), since a year alone would read as its 31 December.

The classification is a reading, not a fact: the analyst corrects it on the page.
"""

from __future__ import annotations

import re
from datetime import date

from kizuna.domains.meetings.ingest.dates import kanji_number
from kizuna.domains.meetings.ingest.decisions import Decision

__all__ = ["classify"]

_COMMITTING = {"agree", "confirm", "reaffirm", "commit", "decide", "instruct", "approve", "welcome"}
_ACTIONS_JA = (
    "設置",
    "開始",
    "強化",
    "拡大",
    "移転",
    "共同生産",
    "開催",
    "推進",
    "構築",
    "設立",
    "立ち上げ",
    "向上",
    "深化",
    "実施",
    "加速",
    "検討",
    "創設",
    "追求",
    "取り組",
    "取組",
    "連携していく",
    "協力していく",
    "完了",
    "着手",
    "前進",
    "具体化",
    "導入",
    "配備",
    "整備",
    "改善",
    "実現",
    "定期協議",
    "初会合",
    "発足",
    "進めていく",
    "進める",
    "返還",
    "建設",
    "高める",
    "策定",
    "見直し",
    "増額",
    "倍増",
    "提供",
    "行っていく",
    "再構成",
    "再編",
    "開設",
    "移行",
)
_ACTIONS_EN = re.compile(
    r"\b(?:establish\w*|start\w*|begin\w*|launch\w*|strengthen\w*|enhanc\w*|expand\w*|"
    r"relocat\w*|co-produc\w*|hold\w*|held|convene\w*|accelerat\w*|deepen\w*|develop\w*|"
    r"advanc\w*|implement\w*|upgrad\w*|work together|working together|cooperat\w*|bolster\w*|"
    r"pursu\w*|complet\w*|conduct\w*|build\w*|increas\w*|introduc\w*|deploy\w*|"
    r"revis\w*|realign\w*|reinforc\w*|modernize\w*|proceed\w*|respond\w*|making further efforts|"
    r"continue to \w+|will \w+)\b",
    re.IGNORECASE,
)
_PRINCIPLE_JA = ("重要性", "重要である", "礎", "基盤である", "不可欠", "適用される", "変更はない")
_PRINCIPLE_EN = re.compile(
    r"\b(?:importance|significance|cornerstone|bedrock|indispensable|is important|remains|"
    r"applies|unwavering|Article V)\b",
    re.IGNORECASE,
)
_AGENT_JA = re.compile(r"(米側|米国|日本側|日本)(?:が|は|による)")
_AGENT_EN = re.compile(
    r"\b(Japan|the United States|the U\.S\.)(?:\s(?:will|would|intends to|plans to)\b|"
    r"(?:'s|’s)\s(?:decision|plan|intention)\sto\b)"
)
_DUE_JA = re.compile(
    r"(?:(令和|平成)([0-9元一二三四五六七八九十]{1,3})|([12][0-9]{3}))\s?年(度)?"
    r"\s?(?:([0-9一二三四五六七八九十]{1,3})\s?月)?"
    r"\s?(?:中|末|まで|内|に|から|以降|頃|めど|目途|初頭|前半|後半)"
)
# A fiscal year named from the meeting's: this one (今年度内) or the next (来年度中).
_DUE_JA_FISCAL = re.compile(r"(今|本|当|来|翌)?年度\s?(?:中|末|内|まで)")
_DUE_EN = re.compile(
    r"\b(?:by|in|before|from|starting in|beginning in|no later than)\s(?:the end of\s)?"
    r"(?:(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?:\s([12][0-9]{3}))?|([12][0-9]{3}))\b"
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    )
}


def _fiscal_end(fiscal_year: int) -> str:
    return date(fiscal_year + 1, 3, 31).isoformat()


def _due(clause: str, lang: str, day: date) -> str:
    year = day.year
    if lang == "ja":
        m = _DUE_JA.search(clause)
        if m:
            era, era_year, western, fiscal, month = m.groups()
            # Kanji numerals as well (令和七年中): texts write years both ways.
            eras = {"令和": 2018, "平成": 1988}
            y = int(western) if western else eras[era] + kanji_number(era_year)
            if fiscal:
                return _fiscal_end(y)
            return f"{y}-{kanji_number(month):02d}" if month else str(y)
        if fiscal_m := _DUE_JA_FISCAL.search(clause):
            current = year if day.month >= 4 else year - 1
            return _fiscal_end(current + (fiscal_m.group(1) in ("来", "翌")))
        if re.search(r"年内|本年中|今年中|本年末", clause):
            return str(year)
        return ""
    m = _DUE_EN.search(clause)
    if m:
        month, month_year, western = m.groups()
        if western:
            return western
        return f"{month_year or year}-{_MONTHS[month]:02d}"
    if re.search(
        r"\b(?:later in the year|within the year|by the end of the year|this year)\b", clause
    ):
        return str(year)
    return ""


def _owner(decision: Decision, lang: str) -> str:
    clause = decision.clause
    if lang == "ja":
        agents = {
            ("united states" if a.startswith("米") else "japan") for a in _AGENT_JA.findall(clause)
        }
    else:
        agents = {("japan" if a == "Japan" else "united states") for a in _AGENT_EN.findall(clause)}
    return agents.pop() if len(agents) == 1 else decision.actor


def classify(decision: Decision, lang: str, day: date) -> None:
    """Set commitment, owner and due on a decision (in place); `day` is the meeting's,
    from which 年内 and 来年度 count."""
    clause = decision.clause or decision.sentence
    if decision.stance not in _COMMITTING:
        decision.commitment = False
        return
    if decision.stance == "instruct":
        acts = True  # an instruction is an action by what it is
        principle = False
    elif lang == "ja":
        acts = any(a in clause for a in _ACTIONS_JA)
        principle = any(p in clause for p in _PRINCIPLE_JA)
    else:
        acts = bool(_ACTIONS_EN.search(clause))
        principle = bool(_PRINCIPLE_EN.search(clause))
    decision.commitment = acts and not (principle and decision.stance != "commit")
    if decision.commitment:
        decision.owner = _owner(decision, lang)
        decision.due = _due(clause, lang, day)
