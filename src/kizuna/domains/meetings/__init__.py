"""The 2+2 record: meetings, decisions, the commitments register, imported summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

    from kizuna.identity.principal import Principal
    from kizuna.today import Panel

__all__ = ["DOMAIN", "OWNER"]

OWNER = OwnerKey("meetings")


def _install(node: Node) -> None:
    from kizuna.domains.meetings.model import LINK, REVIEW, TYPES
    from kizuna.domains.meetings.owner import follow_up_rules

    rules = follow_up_rules(node.policy)
    endpoints = {
        LINK: "POST /api/v1/commitments/{decision_id}/links",
        REVIEW: "POST /api/v1/commitments/{decision_id}/reviews",
    }
    for stix_type in TYPES:
        node.store.owners.register(
            stix_type,
            domain="meetings",
            endpoint=endpoints.get(stix_type, "kizuna ingest summary (an official summary)"),
            rules=rules if stix_type in endpoints else None,
            key=OWNER,
        )


def _routers() -> list[APIRouter]:
    from kizuna.domains.meetings import api, import_pages, pages

    return [api.router, import_pages.router, pages.router]


def _commands() -> list[tuple[str, Typer]]:
    from kizuna.domains.meetings.cli import ingest_app, meetings_app

    return [("ingest", ingest_app), ("meetings", meetings_app)]


def _seed(node: Node) -> None:
    # The shipped summary is a Japanese Foreign Ministry document: the Japanese node
    # holds the record, and its partners receive what it releases to them.
    if node.nation == "JPN":
        from kizuna.domains.meetings.service import import_seed

        import_seed(node)


def _today(node: Node, principal: Principal) -> list[Panel]:
    from kizuna.domains.meetings.today import today

    return today(node, principal)


DOMAIN = Domain(
    name="meetings",
    install=_install,
    routers=_routers,
    commands=_commands,
    seed_demo=_seed,
    today=_today,
)
