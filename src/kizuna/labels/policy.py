"""Label policy: the levels, nations, groups and compartments a node recognizes.

Loaded from TOML so that operators can use the policy their security offices
approve; nothing in Kizuna names a level, nation or compartment in code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "Compartment",
    "Group",
    "LabelError",
    "Level",
    "Nation",
    "Policy",
    "PolicyError",
    "default_policy",
    "load_policy",
]


class PolicyError(ValueError):
    """The policy file itself is wrong."""


class LabelError(ValueError):
    """A label is malformed or names something the policy does not know.

    `field` says which part of the label is wrong (level, rel_to, compartments).
    """

    def __init__(self, message: str, *, field: str = "label") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Level:
    rank: int
    name: str
    short: str
    ja: str


@dataclass(frozen=True)
class Nation:
    code: str
    en: str
    ja: str


@dataclass(frozen=True)
class Group:
    code: str
    en: str
    ja: str
    members: frozenset[str]


@dataclass(frozen=True)
class Compartment:
    code: str
    en: str
    ja: str


@dataclass(frozen=True)
class Policy:
    name: str
    levels: tuple[Level, ...]
    nations: dict[str, Nation]
    groups: dict[str, Group]
    compartments: dict[str, Compartment]

    @property
    def lowest(self) -> Level:
        return self.levels[0]

    @property
    def highest(self) -> Level:
        return self.levels[-1]

    def level(self, rank: int) -> Level:
        for level in self.levels:
            if level.rank == rank:
                return level
        raise LabelError(f"no level of rank {rank} in policy {self.name}", field="level")

    def level_named(self, name: str) -> Level:
        """Find a level by English name, short form or Japanese name (case-insensitive)."""
        wanted = " ".join(name.split()).upper()
        for level in self.levels:
            if wanted in (level.name.upper(), level.short.upper(), level.ja):
                return level
        known = ", ".join(level.name for level in self.levels)
        raise LabelError(f"unknown level {name.strip()!r}; known: {known}", field="level")

    def check_nation(self, code: str) -> str:
        if code not in self.nations:
            raise LabelError(f"unknown nation {code!r}", field="rel_to")
        return code

    def check_compartment(self, code: str) -> str:
        if code not in self.compartments:
            known = ", ".join(self.compartments)
            raise LabelError(f"unknown compartment {code!r}; known: {known}", field="compartments")
        return code


def _table(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise PolicyError(f"{where}: missing {key!r}")
    return data[key]


def _parse(data: dict[str, Any], source: str) -> Policy:
    levels: list[Level] = []
    for i, raw in enumerate(_table(data, "levels", source)):
        where = f"{source}: levels[{i}]"
        levels.append(
            Level(
                rank=int(_table(raw, "rank", where)),
                name=str(_table(raw, "name", where)),
                short=str(raw.get("short", raw["name"])),
                ja=str(_table(raw, "ja", where)),
            )
        )
    if not levels:
        raise PolicyError(f"{source}: at least one level is required")
    ranks = [level.rank for level in levels]
    if ranks != sorted(set(ranks)):
        raise PolicyError(f"{source}: level ranks must be distinct and listed lowest first")

    nations = {
        code: Nation(code, str(_table(v, "en", code)), str(_table(v, "ja", code)))
        for code, v in _table(data, "nations", source).items()
    }
    for code in nations:
        if len(code) != 3 or not code.isascii() or not code.isupper():
            raise PolicyError(f"{source}: nation {code!r} is not an ISO 3166-1 alpha-3 code")

    groups: dict[str, Group] = {}
    for code, raw in data.get("groups", {}).items():
        members = frozenset(raw.get("members", []))
        unknown = sorted(members - nations.keys())
        if unknown:
            raise PolicyError(f"{source}: group {code} names unknown nations {unknown}")
        if code in nations:
            raise PolicyError(f"{source}: group {code} has the code of a nation")
        groups[code] = Group(code, str(raw.get("en", code)), str(raw.get("ja", code)), members)

    compartments: dict[str, Compartment] = {}
    for i, raw in enumerate(data.get("compartments", [])):
        code = str(_table(raw, "code", f"{source}: compartments[{i}]"))
        if not code or "/" in code or code != code.strip().upper():
            raise PolicyError(f"{source}: compartment code {code!r} must be upper-case, no '/'")
        compartments[code] = Compartment(code, str(raw.get("en", code)), str(raw.get("ja", code)))

    return Policy(
        name=str(data.get("name", source)),
        levels=tuple(levels),
        nations=nations,
        groups=groups,
        compartments=compartments,
    )


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy file; PolicyError names what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    return _parse(data, str(path))


@cache
def default_policy() -> Policy:
    """The shipped example policy for Japan and the United States."""
    text = (
        resources.files("kizuna").joinpath("data/policies/jpn-usa.toml").read_text(encoding="utf-8")
    )
    return _parse(tomllib.loads(text), "jpn-usa.toml")
