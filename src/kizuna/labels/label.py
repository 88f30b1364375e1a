"""The label value and the rules that compare labels and clearances.

A label is a classification rank, the nations an object is releasable to and the
compartments a reader must hold. Labels form a lattice under dominance: a higher
rank, more compartments or fewer nations each make a label more restrictive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Clearance", "Label", "can_read", "dominates", "lub"]


@dataclass(frozen=True, order=False)
class Label:
    """One confidentiality label: rank, releasable-to nations, compartments."""

    rank: int
    rel_to: frozenset[str]
    compartments: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept any iterable at construction; the value itself is always frozen.
        object.__setattr__(self, "rel_to", frozenset(self.rel_to))
        object.__setattr__(self, "compartments", frozenset(self.compartments))


@dataclass(frozen=True)
class Clearance:
    """What a reader holds: nationality, the highest rank, the compartments."""

    nation: str
    rank: int
    compartments: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compartments", frozenset(self.compartments))


def dominates(a: Label, b: Label) -> bool:
    """True when `a` is at least as restrictive as `b` on every axis."""
    return a.rank >= b.rank and a.compartments >= b.compartments and a.rel_to <= b.rel_to


def lub(labels: Iterable[Label]) -> Label | None:
    """Least upper bound: highest rank, union of compartments, common nations.

    None for no labels: a page with nothing on it has no label of its own.
    """
    result: Label | None = None
    for label in labels:
        if result is None:
            result = label
            continue
        result = Label(
            rank=max(result.rank, label.rank),
            rel_to=result.rel_to & label.rel_to,
            compartments=result.compartments | label.compartments,
        )
    return result


def can_read(clearance: Clearance, label: Label) -> bool:
    """The one read rule: rank high enough, nation released to, every compartment held.

    The store turns this same rule into SQL; this function is its oracle in tests.
    """
    return (
        clearance.rank >= label.rank
        and clearance.nation in label.rel_to
        and label.compartments <= clearance.compartments
    )
