"""The alliance structure: bodies, tiers, counterparts, the escalation ladder, regions
and the deadline of each phase, loaded from an editable YAML file.

The file is read with PyYAML's safe composer, which keeps the line of every node, so
that each error names the line at fault (`jpn-usa.yaml line 14: ...`). Nothing is
taken from a file that fails any check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from yaml.nodes import Node

from kizuna.datafile import DataFileError, Reader, compose
from kizuna.labels import Policy

__all__ = [
    "BILATERAL",
    "PHASES",
    "TIERS",
    "Body",
    "Region",
    "Structure",
    "StructureError",
    "default_structure",
    "load_structure",
    "parse_structure",
]

BILATERAL = "bilateral"
TIERS = ("working_group", "component", "operational", "policy", "ministerial")
PHASES = ("peacetime", "gray_zone", "contingency")
_DEFAULT_HOURS = {"peacetime": 72.0, "gray_zone": 12.0, "contingency": 1.0}


class StructureError(DataFileError):
    """A structure file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Body:
    id: str
    nation: str  # a nation code, or BILATERAL
    tier: str
    en: str
    ja: str

    @property
    def bilateral(self) -> bool:
        return self.nation == BILATERAL

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class Region:
    id: str
    en: str
    ja: str

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class Structure:
    bodies: dict[str, Body]
    counterparts: frozenset[frozenset[str]]
    ladder: tuple[str, ...]
    regions: dict[str, Region]
    deadline_hours: dict[str, float]
    nations: tuple[str, ...]

    def tier_rank(self, tier: str) -> int:
        return TIERS.index(tier)

    def next_rung(self, tier: str) -> Body | None:
        """The body an item of `tier` climbs to: the first rung above it, or None at
        the top. Rungs rise strictly, so climbing one rung never skips one."""
        rank = self.tier_rank(tier)
        for body_id in self.ladder:
            body = self.bodies[body_id]
            if self.tier_rank(body.tier) > rank:
                return body
        return None

    def are_counterparts(self, a: str, b: str) -> bool:
        return frozenset({a, b}) in self.counterparts

    def counterparts_of(self, body_id: str) -> list[str]:
        return sorted(
            other for pair in self.counterparts if body_id in pair for other in pair - {body_id}
        )


class _Reader(Reader):
    """The shared reader, with the values of a structure file."""

    def __init__(self, source: str) -> None:
        super().__init__(source, StructureError)

    def hours(self, node: Node, what: str) -> float:
        return self.number(
            node, what, top=24 * 365, unit="a number of hours", most="a year in hours"
        )


def parse_structure(text: str, policy: Policy, *, source: str = "structure") -> Structure:
    """Check and build a structure; StructureError names the line of the first fault."""
    r = _Reader(source)
    root = compose(text, source, StructureError)
    top = r.mapping(
        root,
        "the structure",
        {"tiers", "bodies", "counterparts", "ladder", "regions", "phases"},
        {"bodies", "counterparts", "ladder", "regions"},
    )
    if "tiers" in top:
        tiers = tuple(r.text(n, "a tier") for n in r.sequence(top["tiers"], "tiers"))
        if tiers != TIERS:
            raise r.fail(top["tiers"], f"tiers must be, in this order: {', '.join(TIERS)}")

    policy_nations = set(policy.nations)
    bodies: dict[str, Body] = {}
    lines: dict[str, Node] = {}
    for node in r.sequence(top["bodies"], "bodies"):
        f = r.mapping(
            node,
            "a body",
            {"id", "nation", "tier", "en", "ja"},
            {"id", "nation", "tier", "en", "ja"},
        )
        body_id = r.text(f["id"], "a body's id")
        if body_id in bodies:
            raise r.fail(f["id"], f"the body '{body_id}' is defined twice")
        nation = r.text(f["nation"], "a body's nation")
        if nation != BILATERAL and nation not in policy_nations:
            raise r.fail(
                f["nation"],
                f"unknown nation '{nation}'; use a nation of the label policy or '{BILATERAL}'",
            )
        tier = r.text(f["tier"], "a body's tier")
        if tier not in TIERS:
            raise r.fail(f["tier"], f"unknown tier '{tier}'; known: {', '.join(TIERS)}")
        bodies[body_id] = Body(
            body_id,
            nation,
            tier,
            r.text(f["en"], "an English name"),
            r.text(f["ja"], "a Japanese name"),
        )
        lines[body_id] = node

    def known(node: Node, what: str) -> str:
        body_id = r.text(node, what)
        if body_id not in bodies:
            raise r.fail(node, f"unknown body '{body_id}'")
        return body_id

    pairs: set[frozenset[str]] = set()
    for node in r.sequence(top["counterparts"], "counterparts"):
        ends = r.sequence(node, "a counterpart pair")
        if len(ends) != 2:
            raise r.fail(node, "a counterpart pair names exactly two bodies")
        a, b = (known(n, "a counterpart") for n in ends)
        if bodies[a].bilateral or bodies[b].bilateral:
            raise r.fail(
                node, "counterparts are national bodies; a bilateral body answers for both nations"
            )
        if bodies[a].nation == bodies[b].nation:
            raise r.fail(
                node,
                f"'{a}' and '{b}' are both of {bodies[a].nation}: "
                "counterparts are of different nations",
            )
        pairs.add(frozenset({a, b}))

    ladder: list[str] = []
    for node in r.sequence(top["ladder"], "the ladder"):
        body_id = known(node, "a rung of the ladder")
        if not bodies[body_id].bilateral:
            raise r.fail(node, f"the rung '{body_id}' must be a bilateral body")
        if ladder and TIERS.index(bodies[body_id].tier) <= TIERS.index(bodies[ladder[-1]].tier):
            raise r.fail(node, f"the rung '{body_id}' must be of a higher tier than '{ladder[-1]}'")
        ladder.append(body_id)
    if not ladder:
        raise r.fail(top["ladder"], "the ladder needs at least one rung")

    regions: dict[str, Region] = {}
    for node in r.sequence(top["regions"], "regions"):
        f = r.mapping(node, "a region", {"id", "en", "ja"}, {"id", "en", "ja"})
        region_id = r.text(f["id"], "a region's id")
        if region_id in regions:
            raise r.fail(f["id"], f"the region '{region_id}' is defined twice")
        regions[region_id] = Region(
            region_id, r.text(f["en"], "an English name"), r.text(f["ja"], "a Japanese name")
        )
    if not regions:
        raise r.fail(top["regions"], "at least one region is needed")

    # The alliance's nations are those of its national bodies: a bilateral body
    # answers for all of them.
    nations = tuple(sorted({b.nation for b in bodies.values() if not b.bilateral}))
    if len(nations) < 2:
        raise r.fail(top["bodies"], "national bodies of at least two nations are needed")

    hours = dict(_DEFAULT_HOURS)
    if "phases" in top:
        for phase, value in r.mapping(top["phases"], "phases", set(PHASES), set()).items():
            hours[phase] = r.hours(value, f"the deadline of {phase}")
    return Structure(bodies, frozenset(pairs), tuple(ladder), regions, hours, nations)


def load_structure(path: Path, policy: Policy) -> Structure:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StructureError(str(path), None, f"cannot be read: {exc.strerror}") from exc
    return parse_structure(text, policy, source=path.name)


@cache
def _shipped_text() -> str:
    return (
        resources.files("kizuna.data").joinpath("alliance/jpn-usa.yaml").read_text(encoding="utf-8")
    )


def default_structure(policy: Policy) -> Structure:
    """The shipped structure (`data/alliance/jpn-usa.yaml`)."""
    return parse_structure(_shipped_text(), policy, source="jpn-usa.yaml")
