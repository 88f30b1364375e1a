"""The cell's part of the demo: on the JPN node, a joint assessment drafted for JPN
and USA, waiting for a releasing officer of each to approve it on their own node."""

from __future__ import annotations

from kizuna.domains.intel import model, service
from kizuna.labels import parse
from kizuna.runtime import Node

__all__ = ["DRAFT", "TARGET", "seed_demo"]

DRAFT = "SECRET//BIAC//REL TO JPN, USA"
TARGET = "SECRET//REL TO JPN, USA"


def seed_demo(node: Node) -> str | None:
    """The draft's id, on the JPN node; nothing elsewhere."""
    if node.nation != "JPN":
        return None
    kinds = {k.key: k for k in model.KINDS}
    label = parse(node.policy, DRAFT)
    assessment = service.create(
        node.store,
        node.system,
        kinds["assessments"],
        {
            "name": "Maritime activity near the southwest islands",
            "name_ja": "南西諸島周辺の海洋活動",
            "judgement": "Patrols will likely continue at the present rate through the winter.",
            "confidence": 70,
            "sources": ["maritime patrol reports"],
            "region": "East China Sea",
            "domains": ["maritime", "air"],
        },
        DRAFT,
    )
    product = service.create(
        node.store,
        node.system,
        kinds["joint-products"],
        {
            "name": "Joint assessment: maritime activity, winter 2026",
            "description": "Drafted in the BIAC for release to both nations once approved.",
            "contributions": [assessment.id],
            "target_label": TARGET,
        },
        node.store.render(label),
    )
    return product.id
