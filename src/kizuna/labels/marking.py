"""Labels as text: the English banner form and a Japanese form, both round-tripping.

English: ``SECRET//BIAC/CYBER//REL TO JPN, USA`` (compartments joined by ``/``).
Japanese: ``極秘//BIAC/CYBER//提供可：日本、米国``.

A group whose members are all released to is written as the group (``NATO``), and
parsing a group expands it to its members, so rendering then parsing gives the
same label. The reader's own nation, when given, is written first: each nation
puts itself first in its markings.
"""

from __future__ import annotations

from typing import Literal

from kizuna.labels.label import Label
from kizuna.labels.policy import LabelError, Policy

__all__ = ["Lang", "parse", "render", "render_ceiling"]

Lang = Literal["en", "ja"]

_REL_EN = "REL TO "
_REL_JA = "提供可："
_NONE_EN = "NO RELEASE"
_NONE_JA = "提供不可"
# Separators a Japanese writer may type for the list of nations.
_JA_SEPARATORS = ("、", "，", ",", "・")


def _nation_terms(policy: Policy, rel_to: frozenset[str], first: str | None) -> list[str]:
    """Nations and folded groups in a stable order: `first`, nations, then groups."""
    covered: set[str] = set()
    groups = []
    for code in sorted(policy.groups):
        members = policy.groups[code].members
        if members and members <= rel_to:
            groups.append(code)
            covered |= members
    loose = sorted(rel_to - covered)
    head = [first] if first and first in rel_to else []
    return head + [n for n in loose if n not in head] + groups


def render_ceiling(
    policy: Policy, rank: int, compartments: frozenset[str], lang: Lang = "en"
) -> str:
    """A level and compartments without nations, as a label begins: a clearance's or a
    peer agreement's ceiling (``SECRET//BIAC/CYBER``)."""
    level = policy.level(rank)
    parts = [level.name if lang == "en" else level.ja]
    if compartments:
        parts.append("/".join(sorted(compartments)))
    return "//".join(parts)


def render(policy: Policy, label: Label, lang: Lang = "en", *, first: str | None = None) -> str:
    """Write a label in the English or Japanese form."""
    parts = [render_ceiling(policy, label.rank, label.compartments, lang)]
    terms = _nation_terms(policy, label.rel_to, first)
    if lang == "en":
        parts.append(_REL_EN + ", ".join(terms) if terms else _NONE_EN)
    else:
        names = [
            policy.nations[t].ja if t in policy.nations else policy.groups[t].ja for t in terms
        ]
        parts.append(_REL_JA + "、".join(names) if names else _NONE_JA)
    return "//".join(parts)


def _nation_codes(policy: Policy, term: str) -> frozenset[str]:
    """One written nation or group, by code or by either language's name."""
    wanted = term.strip()
    if not wanted:
        raise LabelError("empty nation in the releasability list", field="rel_to")
    upper = wanted.upper()
    if upper in policy.nations:
        return frozenset([upper])
    if upper in policy.groups:
        return policy.groups[upper].members
    for nation in policy.nations.values():
        if wanted in (nation.ja, nation.en):
            return frozenset([nation.code])
    for group in policy.groups.values():
        if wanted in (group.ja, group.en):
            return group.members
    raise LabelError(f"unknown nation or group {wanted!r}", field="rel_to")


def _split_nations(text: str) -> list[str]:
    for sep in _JA_SEPARATORS[1:]:
        text = text.replace(sep, _JA_SEPARATORS[0])
    return text.split(_JA_SEPARATORS[0])


def parse(policy: Policy, text: str, *, originator: str | None = None) -> Label:
    """Read either form. Without a releasability part the label is releasable to
    `originator` only (new objects start there); without an originator that is an
    error. Raises LabelError naming the part that is wrong.
    """
    if not isinstance(text, str) or not text.strip():
        raise LabelError("label is empty")
    parts = [p.strip() for p in text.strip().split("//")]
    if any(not p for p in parts):
        raise LabelError(f"label {text!r} has an empty part between '//'")
    level = policy.level_named(parts[0])

    rel_part: str | None = None
    middle = parts[1:]
    if middle:
        last = middle[-1]
        upper = last.upper()
        if upper.startswith(_REL_EN.strip()) or last.startswith(_REL_JA[:-1]):
            rel_part, middle = last, middle[:-1]
        elif upper == _NONE_EN or last == _NONE_JA:
            rel_part, middle = "", middle[:-1]
    if len(middle) > 1:
        raise LabelError(
            f"label {text!r}: compartments go in one part, joined by '/'", field="compartments"
        )

    compartments = frozenset(
        policy.check_compartment(c.strip().upper())
        for c in (middle[0].split("/") if middle else [])
    )

    if rel_part is None:
        if originator is None:
            raise LabelError(f"label {text!r} has no REL TO part", field="rel_to")
        rel_to = frozenset([policy.check_nation(originator)])
    elif rel_part == "":
        rel_to = frozenset()
    else:
        if rel_part.upper().startswith(_REL_EN.strip()):
            listed = rel_part[len(_REL_EN.strip()) :].split(",")
        else:
            body = rel_part[len(_REL_JA) - 1 :].lstrip(":：")
            listed = _split_nations(body)
        codes: set[str] = set()
        for term in listed:
            codes |= _nation_codes(policy, term)
        rel_to = frozenset(codes)
    return Label(rank=level.rank, rel_to=rel_to, compartments=compartments)
