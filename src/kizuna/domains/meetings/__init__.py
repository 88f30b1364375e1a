"""The 2+2 record: meetings, decisions, the commitments register, imported summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

    from kizuna.agenda import Entry
    from kizuna.identity.principal import Principal
    from kizuna.today import Panel

__all__ = ["DOMAIN", "OWNER"]

OWNER = OwnerKey("meetings")


# An official text is up to 4 MB (ingest.MAX_BYTES): its upload takes it whole, as a
# file of a form (several at once on the page), as base64 in the confirm form that
# carries the previewed files back, and as text or base64 in JSON over REST.
_TEXT = 4_000_000
BODY_LIMITS = {
    "/meetings/import": 10 * _TEXT + 65_536,
    "/meetings/import/confirm": 14 * _TEXT + 65_536,
    "/api/v1/meetings/import": 3 * _TEXT + 65_536,  # JSON may escape each character
}


def _install(node: Node) -> None:
    from kizuna.domains.meetings.followers import (
        followers,
        parts,
        release_rules,
        whole_of,
    )
    from kizuna.domains.meetings.model import LINK, REVIEW, TYPES
    from kizuna.domains.meetings.owner import follow_up_rules

    for path, limit in BODY_LIMITS.items():
        node.body_limits[path] = max(limit, node.settings.max_body_bytes)

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
            # A record is released whole by a release decision on its meeting, on the
            # generic path, which takes its parts along (followers.py).
            open_to=frozenset({"release"}),
            release_rules=release_rules,
            key=OWNER,
        )
    node.store.owners.follow(OWNER, followers)
    node.store.owners.have_parts(OWNER, parts, whole_of)
    # A restatement link is looked up again when the decision it names is narrowed.
    from kizuna.domains.meetings.relink import narrowed

    node.store.owners.on_narrowed(
        OWNER, lambda conn, stix_id, label: narrowed(node, conn, stix_id, label)
    )
    # The object page names each type's properties and codes as the record's pages do.
    from kizuna.domains.meetings.property_words import PROPERTY_WORDS, value_words

    node.property_words.update(PROPERTY_WORDS)
    node.value_words.update(dict.fromkeys(PROPERTY_WORDS, value_words))


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


def _agenda(node: Node, principal: Principal) -> list[Entry]:
    from kizuna.domains.meetings.agenda import agenda

    return agenda(node, principal)


DOMAIN = Domain(
    name="meetings",
    install=_install,
    routers=_routers,
    commands=_commands,
    seed_demo=_seed,
    today=_today,
    agenda=_agenda,
)
