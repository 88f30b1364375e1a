"""Attachments: files that staff officers attach to coordination items, RFIs, watch-log
entries and reports, each stored as a labelled STIX `artifact` (issue 15).

Other domains show an object's attachments without importing this package: their
pages load the fragment `GET /attachments?of=<stix id>` with htmx (see pages.py), and
clients use `/api/v1/attachments?of=<stix id>`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kizuna.domains.attachments import schema as _schema  # noqa: F401 (declares the table)
from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["DOMAIN", "OWNER"]

# Passed by this domain's service to every store write of an artifact.
OWNER = OwnerKey("attachments")


def _install(node: Node) -> None:
    from kizuna.domains.attachments.model import TYPE
    from kizuna.domains.attachments.rules import owner_rules, takes_attachments
    from kizuna.domains.attachments.service import arrived, attached_to, attachments

    mechanism = attachments(node)
    node.store.owners.register(
        TYPE,
        domain="attachments",
        endpoint="POST /api/v1/attachments (or /api/v1/attachments/upload, multipart)",
        rules=owner_rules(lambda: mechanism.limit),
        # A releasing officer releases an attachment like any object; its rules hold.
        open_to=frozenset({"release"}),
        key=OWNER,
    )
    # A file goes where its object goes: narrowing the object narrows its files.
    node.store.owners.follow(OWNER, attached_to)
    node.arrival_hooks.append(arrived)
    # The generic object page loads the panel only for an object that may take a file.
    node.takes_attachments = takes_attachments


def _routers() -> list[APIRouter]:
    from kizuna.domains.attachments import api, pages

    return [api.router, pages.router]


DOMAIN = Domain(
    name="attachments",
    install=_install,
    routers=_routers,
    migrations=Path(__file__).parent / "migrations",
)
