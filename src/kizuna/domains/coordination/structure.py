"""The alliance structure: bodies, tiers, counterparts, the bodies that work beside each
other, the escalation path, regions with their outlines, the deadline of each
precedence and the situations each government determines, loaded from an editable
YAML file.

The file is read with PyYAML's safe composer, which keeps the line of every node, so
that each error names the line at fault (`jpn-usa.yaml line 14: ...`). Nothing is
taken from a file that fails any check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kizuna.datafile import DataFileError, Reader, compose
from kizuna.labels import Policy

__all__ = [
    "BILATERAL",
    "PRECEDENCES",
    "REGION_KINDS",
    "TIERS",
    "Body",
    "DeterminationKind",
    "Region",
    "Rung",
    "Structure",
    "StructureError",
    "default_structure",
    "load_structure",
    "parse_structure",
]

BILATERAL = "bilateral"
TIERS = (
    "working_group",
    "component",
    "operational",
    "policy",
    "acg_action_officer",
    "acg_director",
    "acg_director_general",
    "national_security",
    "ministerial",
)
# Most urgent first (ACP 121's order of message precedence).
PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")
REGION_KINDS = ("land", "sea", "air")
# Joins the bodies of a rung of several national bodies, in an item's `escalated_to`.
RUNG_JOIN = "+"


class StructureError(DataFileError):
    """A structure file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Body:
    id: str
    nation: str  # a nation code, or BILATERAL
    tier: str
    en: str
    ja: str
    part_of: str | None = None  # a level of a larger body (the ACG's levels)
    determines: bool = False  # its officers record their nation's determinations

    @property
    def bilateral(self) -> bool:
        return self.nation == BILATERAL

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class Rung:
    """One step of the escalation path: one bilateral body, or one national body of
    each nation (the national security staffs), all of one tier."""

    bodies: tuple[str, ...]
    tier: str

    @property
    def id(self) -> str:
        return RUNG_JOIN.join(self.bodies)


@dataclass(frozen=True)
class Region:
    id: str
    en: str
    ja: str
    kind: str = "land"
    outline: dict[str, Any] | None = None  # a GeoJSON Polygon or MultiPolygon

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True)
class DeterminationKind:
    """A situation one government determines under its own law."""

    id: str
    nation: str
    hours: float
    en: str
    ja: str
    basis_en: str
    basis_ja: str

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en

    def basis(self, lang: str) -> str:
        return self.basis_ja if lang == "ja" else self.basis_en


@dataclass(frozen=True)
class Structure:
    bodies: dict[str, Body]
    counterparts: frozenset[frozenset[str]]
    lateral: frozenset[frozenset[str]]
    ladder: tuple[Rung, ...]
    regions: dict[str, Region]
    precedence_hours: dict[str, float]
    determinations: dict[str, DeterminationKind]
    nations: tuple[str, ...]

    def tier_rank(self, tier: str) -> int:
        return TIERS.index(tier)

    def next_rung(self, tier: str) -> Rung | None:
        """The rung an item of `tier` climbs to: the first rung above it, or None at
        the top. Rungs rise strictly, so climbing one rung never skips one."""
        rank = self.tier_rank(tier)
        for rung in self.ladder:
            if self.tier_rank(rung.tier) > rank:
                return rung
        return None

    def rung(self, rung_id: str) -> Rung | None:
        return next((r for r in self.ladder if r.id == rung_id), None)

    def escalated_bodies(self, escalated_to: str | None) -> list[str]:
        """The bodies an item escalated to `escalated_to` sits with: a rung's bodies,
        or the one body an item of an earlier structure climbed to."""
        if not escalated_to:
            return []
        return [b for b in escalated_to.split(RUNG_JOIN) if b in self.bodies]

    def are_counterparts(self, a: str, b: str) -> bool:
        return frozenset({a, b}) in self.counterparts

    def counterparts_of(self, body_id: str) -> list[str]:
        return sorted(
            other for pair in self.counterparts if body_id in pair for other in pair - {body_id}
        )

    def beside(self, body_id: str) -> list[str]:
        """Bodies that work beside `body_id` or beside the body it is a level of."""
        whole = self.bodies[body_id].part_of if body_id in self.bodies else None
        mine = {body_id, whole} - {None}
        return sorted(other for pair in self.lateral if pair & mine for other in pair - mine)

    def hours(self, precedence: str) -> float:
        return self.precedence_hours[precedence]

    def determining_bodies(self, nation: str) -> list[str]:
        return sorted(b.id for b in self.bodies.values() if b.determines and b.nation == nation)


class _Reader(Reader):
    """The shared reader, with the values of a structure file."""

    def __init__(self, source: str) -> None:
        super().__init__(source, StructureError)

    def hours(self, node: Node, what: str) -> float:
        return self.number(
            node, what, top=24 * 365, unit="a number of hours", most="a year in hours"
        )

    def flag(self, node: Node, what: str) -> bool:
        value = self.text(node, what).lower()
        if value not in ("true", "false"):
            raise self.fail(node, f"{what} must be true or false, not '{value}'")
        return value == "true"

    def outline(self, node: Node, what: str) -> dict[str, Any]:
        """A GeoJSON Polygon or MultiPolygon (RFC 7946 §3.1.6-7): closed rings of at
        least four [longitude, latitude] positions within range."""
        f = self.mapping(node, what, {"type", "coordinates"}, {"type", "coordinates"})
        kind = self.text(f["type"], f"the type of {what}")
        if kind not in ("Polygon", "MultiPolygon"):
            raise self.fail(f["type"], f"{what} is a Polygon or a MultiPolygon, not '{kind}'")
        polygons = (
            [f["coordinates"]]
            if kind == "Polygon"
            else self.sequence(f["coordinates"], f"the polygons of {what}")
        )
        coordinates = [
            [self._ring(ring, what) for ring in self.sequence(p, f"the rings of {what}")]
            for p in polygons
        ]
        if not all(coordinates):
            raise self.fail(f["coordinates"], f"a polygon of {what} needs at least one ring")
        return {"type": kind, "coordinates": coordinates[0] if kind == "Polygon" else coordinates}

    def _ring(self, node: Node, what: str) -> list[list[float]]:
        positions = [self._position(p, what) for p in self.sequence(node, f"a ring of {what}")]
        if len(positions) < 4:
            raise self.fail(node, f"a ring of {what} has at least four positions")
        if positions[0] != positions[-1]:
            raise self.fail(node, f"a ring of {what} ends where it starts (a closed ring)")
        return positions

    def _position(self, node: Node, what: str) -> list[float]:
        if not isinstance(node, SequenceNode) or len(node.value) != 2:
            raise self.fail(node, f"a position of {what} is [longitude, latitude]")
        values: list[float] = []
        for part, top, name in zip(node.value, (180, 90), ("longitude", "latitude"), strict=True):
            try:
                value = float(part.value) if isinstance(part, ScalarNode) else math.nan
            except ValueError:
                value = math.nan
            if not -top <= value <= top:
                raise self.fail(part, f"a {name} of {what} is a number from {-top} to {top}")
            values.append(value)
        return values


def parse_structure(text: str, policy: Policy, *, source: str = "structure") -> Structure:
    """Check and build a structure; StructureError names the line of the first fault."""
    r = _Reader(source)
    root = compose(text, source, StructureError)
    if isinstance(root, MappingNode):
        for key, _ in root.value:
            if isinstance(key, ScalarNode) and key.value == "phases":
                raise r.fail(
                    key,
                    "'phases' is no longer read: each nation determines its own situation "
                    "('determinations') and items carry a precedence ('precedence')",
                )
    top = r.mapping(
        root,
        "the structure",
        {
            "tiers",
            "bodies",
            "counterparts",
            "lateral",
            "ladder",
            "regions",
            "precedence",
            "determinations",
        },
        {"bodies", "counterparts", "ladder", "regions", "precedence"},
    )
    if "tiers" in top:
        tiers = tuple(r.text(n, "a tier") for n in r.sequence(top["tiers"], "tiers"))
        if tiers != TIERS:
            raise r.fail(top["tiers"], f"tiers must be, in this order: {', '.join(TIERS)}")

    policy_nations = set(policy.nations)
    bodies: dict[str, Body] = {}
    part_of: dict[str, Node] = {}
    for node in r.sequence(top["bodies"], "bodies"):
        f = r.mapping(
            node,
            "a body",
            {"id", "nation", "tier", "en", "ja", "part_of", "determines"},
            {"id", "nation", "tier", "en", "ja"},
        )
        body_id = r.text(f["id"], "a body's id")
        if body_id in bodies:
            raise r.fail(f["id"], f"the body '{body_id}' is defined twice")
        if RUNG_JOIN in body_id or "," in body_id:
            raise r.fail(f["id"], f"a body's id has no '{RUNG_JOIN}' and no ','")
        nation = r.text(f["nation"], "a body's nation")
        if nation != BILATERAL and nation not in policy_nations:
            raise r.fail(
                f["nation"],
                f"unknown nation '{nation}'; use a nation of the label policy or '{BILATERAL}'",
            )
        tier = r.text(f["tier"], "a body's tier")
        if tier not in TIERS:
            raise r.fail(f["tier"], f"unknown tier '{tier}'; known: {', '.join(TIERS)}")
        determines = "determines" in f and r.flag(f["determines"], "determines")
        if determines and nation == BILATERAL:
            raise r.fail(
                f["determines"],
                "a determination is a nation's own: only a national body determines",
            )
        if "part_of" in f:
            part_of[body_id] = f["part_of"]
        bodies[body_id] = Body(
            body_id,
            nation,
            tier,
            r.text(f["en"], "an English name"),
            r.text(f["ja"], "a Japanese name"),
            r.text(f["part_of"], "part_of") if "part_of" in f else None,
            determines,
        )

    def known(node: Node, what: str) -> str:
        body_id = r.text(node, what)
        if body_id not in bodies:
            raise r.fail(node, f"unknown body '{body_id}'")
        return body_id

    for body_id, node in part_of.items():
        whole = known(node, "part_of")
        if whole == body_id or bodies[whole].part_of is not None:
            raise r.fail(node, f"'{body_id}' is a level of a body that is not itself a level")
        if bodies[whole].nation != bodies[body_id].nation:
            raise r.fail(node, f"'{body_id}' and '{whole}' are of different nations")

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

    beside: set[frozenset[str]] = set()
    for node in r.sequence(top["lateral"], "lateral") if "lateral" in top else []:
        ends = r.sequence(node, "a lateral pair")
        if len(ends) != 2:
            raise r.fail(node, "a lateral pair names exactly two bodies")
        a, b = (known(n, "a body beside another") for n in ends)
        if a == b:
            raise r.fail(node, f"'{a}' cannot work beside itself")
        beside.add(frozenset({a, b}))

    # The alliance's nations are those of its national bodies: a bilateral body
    # answers for all of them.
    nations = tuple(sorted({b.nation for b in bodies.values() if not b.bilateral}))
    if len(nations) < 2:
        raise r.fail(top["bodies"], "national bodies of at least two nations are needed")

    ladder: list[Rung] = []
    for node in r.sequence(top["ladder"], "the ladder"):
        if isinstance(node, SequenceNode):
            ids = [known(n, "a body of a rung") for n in r.sequence(node, "a rung")]
            if any(bodies[b].bilateral for b in ids) or sorted(
                bodies[b].nation for b in ids
            ) != list(nations):
                raise r.fail(
                    node,
                    "a rung of national bodies names one body of each nation "
                    f"({', '.join(nations)})",
                )
            if len({bodies[b].tier for b in ids}) != 1:
                raise r.fail(node, "the bodies of a rung are of one tier")
            rung = Rung(tuple(ids), bodies[ids[0]].tier)
        else:
            body_id = known(node, "a rung of the ladder")
            if not bodies[body_id].bilateral:
                raise r.fail(
                    node,
                    f"the rung '{body_id}' must be a bilateral body, or a list of one "
                    "national body of each nation",
                )
            rung = Rung((body_id,), bodies[body_id].tier)
        if ladder and TIERS.index(rung.tier) <= TIERS.index(ladder[-1].tier):
            raise r.fail(
                node, f"the rung '{rung.id}' must be of a higher tier than '{ladder[-1].id}'"
            )
        if ladder and len(ladder[-1].bodies) > 1:
            raise r.fail(node, "the national staffs are the last rung: nothing climbs above them")
        ladder.append(rung)
    if not ladder:
        raise r.fail(top["ladder"], "the ladder needs at least one rung")

    regions: dict[str, Region] = {}
    for node in r.sequence(top["regions"], "regions"):
        f = r.mapping(
            node,
            "a region",
            {"id", "en", "ja", "kind", "outline"},
            {"id", "en", "ja", "kind", "outline"},
        )
        region_id = r.text(f["id"], "a region's id")
        if region_id in regions:
            raise r.fail(f["id"], f"the region '{region_id}' is defined twice")
        kind = r.text(f["kind"], "a region's kind")
        if kind not in REGION_KINDS:
            raise r.fail(f["kind"], f"a region's kind is one of {', '.join(REGION_KINDS)}")
        regions[region_id] = Region(
            region_id,
            r.text(f["en"], "an English name"),
            r.text(f["ja"], "a Japanese name"),
            kind,
            r.outline(f["outline"], f"the outline of '{region_id}'"),
        )
    if not regions:
        raise r.fail(top["regions"], "at least one region is needed")

    found = r.mapping(top["precedence"], "precedence", set(PRECEDENCES), set(PRECEDENCES))
    hours = {p: r.hours(found[p], f"the deadline of {p}") for p in PRECEDENCES}
    for faster, slower in pairwise(PRECEDENCES):
        if hours[faster] > hours[slower]:
            raise r.fail(
                found[faster],
                f"{faster} is more urgent than {slower}: its deadline cannot be longer",
            )

    kinds: dict[str, DeterminationKind] = {}
    listed = top.get("determinations")
    for node in r.sequence(listed, "determinations") if listed is not None else []:
        f = r.mapping(
            node,
            "a determination",
            {"id", "nation", "hours", "en", "ja", "basis_en", "basis_ja"},
            {"id", "nation", "hours", "en", "ja", "basis_en", "basis_ja"},
        )
        kind_id = r.text(f["id"], "a determination's id")
        if kind_id in kinds:
            raise r.fail(f["id"], f"the determination '{kind_id}' is defined twice")
        nation = r.text(f["nation"], "a determination's nation")
        if nation not in nations:
            raise r.fail(
                f["nation"],
                f"a determination is one nation's own: one of {', '.join(nations)}, not '{nation}'",
            )
        kinds[kind_id] = DeterminationKind(
            kind_id,
            nation,
            r.hours(f["hours"], f"the deadline of '{kind_id}'"),
            r.text(f["en"], "an English name"),
            r.text(f["ja"], "a Japanese name"),
            r.text(f["basis_en"], "an English legal basis"),
            r.text(f["basis_ja"], "a Japanese legal basis"),
        )
    return Structure(
        bodies,
        frozenset(pairs),
        frozenset(beside),
        tuple(ladder),
        regions,
        hours,
        kinds,
        nations,
    )


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
