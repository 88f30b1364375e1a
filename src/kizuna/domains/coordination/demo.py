"""The coordination part of the demo (`make run`): a determination of Japan over the
Southwest Islands, and two items of JJOC to USFJ."""

from __future__ import annotations

from kizuna.domains.coordination.inputs import DeterminationCreate, ItemCreate, ResponseCreate
from kizuna.domains.coordination.model import Precedence, ResponseKind
from kizuna.domains.coordination.service import coordination
from kizuna.identity import service as identity
from kizuna.runtime import Node

__all__ = ["seed_demo"]


def seed_demo(node: Node) -> None:
    """Two coordination items of JJOC to USFJ: one waiting for the US answer, one that
    davis (a US liaison on this node, when there is one) has concurred with."""
    with node.db.read() as conn:
        sato = identity.find_user(conn, "sato")
        davis = identity.find_user(conn, "davis")
    if sato is None:
        return
    c = coordination(node)
    if node.nation == "JPN" and "jjoc" in sato.principal.bodies:
        c.determine(
            sato.principal,
            DeterminationCreate(
                kind="jpn-gray-zone",
                regions=["southwest-islands", "east-china-sea"],
                determining_body="jjoc",
                label="SECRET//REL TO JPN, USA",
            ),
        )
    items: tuple[tuple[str, str, str, Precedence], ...] = (
        (
            "Bilateral air defence posture, Southwest Islands",
            "南西諸島における日米防空態勢",
            "southwest-islands",
            "IMMEDIATE",
        ),
        (
            "Port access for a US logistics ship, Kanto",
            "米補給艦の入港調整（関東）",
            "kanto",
            "ROUTINE",
        ),
    )
    for title_en, title_ja, region, precedence in items:
        c.open_item(
            sato.principal,
            ItemCreate(
                title_en=title_en,
                title_ja=title_ja,
                requesting_body="jjoc",
                counterpart_body="usfj",
                region=region,
                precedence=precedence,
                domains=["air", "maritime"],
                label="SECRET//REL TO JPN, USA",
            ),
        )
    if davis is None:
        return  # a node of a federation: the US answers on its own node
    latest = c.store.list(sato.principal, type="x-kizuna-coordination-item", limit=1).items[0]
    c.respond(davis.principal, latest.id, ResponseCreate(kind=ResponseKind.CONCUR))
