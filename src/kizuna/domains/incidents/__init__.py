"""Incidents and accidents involving the forces: early notification to the local
communities that host them, in both directions. An event is recorded once, routed at
once to every body the rules name (on each nation's node, to its own bodies), each of
whom acknowledges; updates, a closing report and a public version follow, and every
deadline is tracked and escalated (DESIGN §1; issue 14)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey, WriteKind

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

    from kizuna.identity.principal import Principal
    from kizuna.today import Panel

__all__ = ["DOMAIN", "OWNER"]

# Passed by this domain's service to every store write of its own types.
OWNER = OwnerKey("incidents")


def _install(node: Node) -> None:
    from kizuna.domains.incidents import handover
    from kizuna.domains.incidents.federation import arrived
    from kizuna.domains.incidents.model import ACK_TYPE, EVENT_TYPE, PUBLIC_TYPE
    from kizuna.domains.incidents.rules import owner_rules
    from kizuna.domains.incidents.service import incidents
    from kizuna.domains.incidents.words import PROPERTY_WORDS, value_words

    mechanism = incidents(node)  # the routing file is checked now: a bad one stops the node
    rules = owner_rules(mechanism.routing, node.policy)
    owners = node.store.owners
    # An event released too widely is narrowed by a releasing officer's release
    # decision on the generic paths (the rules take nothing but a narrower label).
    kinds: tuple[tuple[str, str, frozenset[WriteKind]], ...] = (
        (EVENT_TYPE, "POST /api/v1/incidents/events (and /events/{id}/updates, /cancel)",
         frozenset({"release"})),
        (PUBLIC_TYPE, "POST /api/v1/incidents/events/{id}/public", frozenset()),
        (ACK_TYPE, "POST /api/v1/incidents/events/{id}/acknowledgements", frozenset()),
    )  # fmt: skip
    for stix_type, endpoint, open_to in kinds:
        owners.register(stix_type, domain="incidents", endpoint=endpoint, rules=rules,
                        key=OWNER, open_to=open_to)  # fmt: skip
    node.arrival_hooks.append(arrived)
    # An event's acknowledgements go where a narrowing takes the event.
    from kizuna.domains.incidents.followers import followers

    owners.follow(OWNER, followers)
    # The object page names an incident's properties and coded values as its pages do.
    node.property_words.update(PROPERTY_WORDS)
    node.value_words.update(
        dict.fromkeys(PROPERTY_WORDS, value_words(mechanism.routing.english_names()))
    )
    # Each addressee of this nation's notices is a body a user may belong to: its
    # members acknowledge for it, as the mails ask (a partner's addressees acknowledge
    # on their own node).
    for a in mechanism.routing.addressees.values():
        if a.nation == node.nation:
            # A body the alliance structure names too goes by the structure's name.
            node.bodies.setdefault(a.id, a)
    # A watch that hands over tells the next one of notices still unacknowledged.
    node.handover_parts["incident-notices"] = (handover.TITLE, handover.open_notices)


def _routers() -> list[APIRouter]:
    from kizuna.domains.incidents import api, pages, public_pages

    return [api.router, pages.router, public_pages.router]


def _commands() -> list[tuple[str, Typer]]:
    from kizuna.domains.incidents.cli import app

    return [("incidents", app)]


def _scan(node: Node) -> None:
    from kizuna.domains.incidents.service import incidents

    incidents(node).scan()


def _today(node: Node, principal: Principal) -> list[Panel]:
    from kizuna.domains.incidents.today import today

    return today(node, principal)


DOMAIN = Domain(
    name="incidents",
    install=_install,
    routers=_routers,
    commands=_commands,
    migrations=Path(__file__).parent / "migrations",
    scan=_scan,
    today=_today,
)
