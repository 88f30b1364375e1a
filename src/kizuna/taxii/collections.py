"""The collections a node serves: fixed views over the store, by STIX type.

A collection holds no objects of its own; it is a scope of types over the store,
and every read of it is the caller's visibility in SQL. Label markings belong to
every collection, so that a reader can resolve the labels of what it receives.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from kizuna.federation.peers import collection_id
from kizuna.identity.principal import Permission, Principal
from kizuna.stix.markings import NAMESPACE
from kizuna.stix.types import NEW_SDO, RECALL

__all__ = ["COLLECTIONS", "Collection", "find", "peer_collection"]

STIX_MEDIA = "application/stix+json;version=2.1"


@dataclass(frozen=True)
class Collection:
    key: str
    title: str
    description: str
    types: tuple[str, ...]  # empty: every type
    # A peer's collection: what this node originated, signed, for that peer's account.
    peer: str | None = None

    @functools.cached_property
    def id(self) -> str:
        # Asked on every request (the collections are matched by it): hashed once.
        if self.peer is not None:
            return collection_id(self.peer)
        return str(uuid.uuid5(NAMESPACE, f"collection/{self.key}"))

    @property
    def scope(self) -> tuple[str, ...]:
        return (*self.types, "marking-definition") if self.types else ()

    def resource(self, principal: Principal, nation: str) -> dict[str, Any]:
        writer = (
            self.peer is None
            and principal.can(Permission.OBJECT_WRITE)
            and principal.nation == nation
        )
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": True,
            "can_write": writer,
            "media_types": [STIX_MEDIA],
        }


_CTI = (
    "attack-pattern", "campaign", "course-of-action", "identity", "incident", "indicator",
    "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
    "observed-data", "relationship", "sighting", "threat-actor", "tool", "vulnerability",
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr",
    "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
    "network-traffic", "process", "software", "url", "user-account",
    "windows-registry-key", "x509-certificate",
)  # fmt: skip

COLLECTIONS = (
    Collection(
        "all",
        "Kizuna objects",
        "Every object of this node the caller may read: reports, assessments, "
        "coordination, cyber threat intelligence.",
        (),
    ),
    Collection(
        "intel",
        "BIAC reports and joint products",
        "Reports, assessments, observations, joint products and their approvals, notes "
        "and opinions.",
        ("report", "grouping", "note", "opinion", *(t for t in NEW_SDO if t != RECALL)),
    ),
    Collection(
        "cti",
        "Cyber threat intelligence",
        "Indicators, malware, attack patterns, vulnerabilities, sightings, cyber "
        "incidents and the observables and relationships between them.",
        _CTI,
    ),
)


def peer_collection(nation: str) -> Collection:
    """Every version this node originated that is releasable to `nation` within the
    agreement, in the order added, each signed with its version number; recalls of
    narrowed objects travel in it like any object."""
    return Collection(
        f"peer/{nation}",
        f"For the node of {nation}",
        f"What this node originated that is releasable to {nation} within the agreement, "
        "signed by this node.",
        (),
        peer=nation,
    )


def find(collection_id: str) -> Collection | None:
    for collection in COLLECTIONS:
        if collection.id == collection_id:
            return collection
    return None
