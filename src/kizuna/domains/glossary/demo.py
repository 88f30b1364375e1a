"""The glossary's part of the demo: the shipped starter set, on the JPN node (its terms
are releasable to the US and reach the USA node by federation)."""

from __future__ import annotations

from kizuna.domains.glossary.service import Loaded, load_terms
from kizuna.domains.glossary.termfile import shipped_terms
from kizuna.runtime import Node

__all__ = ["seed_demo"]


def seed_demo(node: Node) -> Loaded | None:
    if node.nation != "JPN":
        return None
    terms = shipped_terms(policy=node.policy, nation=node.nation)
    return load_terms(node, node.system, [(t.fields, t.label) for t in terms])
