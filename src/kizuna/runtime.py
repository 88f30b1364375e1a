"""What a running node holds, and how a domain plugs into it.

A node is built by the start-up code (`bootstrap.open_node`); each installed domain then
registers itself on it (`Domain.install`): the types it owns (the store's owner
registry), the hooks that act on objects arriving from a peer, and the checks of its
own files. Routes and commands are collected by the web app and the CLI from the same
`Domain` objects. Nothing below the domains names one: they are found through
`kizuna.domains.INSTALLED`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from kizuna.agenda import Entry
from kizuna.config import Settings
from kizuna.db import Database
from kizuna.identity.principal import Principal
from kizuna.labels import Label, Policy
from kizuna.store import Store, StoredObject
from kizuna.today import Panel

if TYPE_CHECKING:
    from fastapi import APIRouter
    from fastapi.telemetry import TelemetryConfig
    from typer import Typer

__all__ = [
    "NO_TELEMETRY",
    "Agenda",
    "ArrivalHook",
    "Domain",
    "HandoverHook",
    "HandoverPart",
    "NamedBody",
    "Node",
    "Today",
    "ValueWords",
]

# FastAPI's own OpenTelemetry hooks, off for good: a node runs on a closed network and
# reports to no one, whatever the environment says (FASTAPI_OTEL_AUTO_CONFIGURE and
# OTEL_EXPORTER_OTLP_ENDPOINT would otherwise add an exporter) and whatever global
# provider another library installs.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}

# Called for every version stored from a peer, inside a savepoint that holds it (its
# own, or its batch's, written again without it should the hook raise): an exception
# refuses (quarantines) that one object only.
ArrivalHook = Callable[["Node", Connection, StoredObject], None]

# What a domain puts on a reader's start page (kizuna.today): every figure counted
# through the visibility condition for that reader.
Today = Callable[["Node", Principal], list[Panel]]

# What a domain puts in a reader's calendar (kizuna.agenda): only objects read through
# the visibility condition for that reader, each entry with its object's label.
Agenda = Callable[["Node", Principal], list[Entry]]


@dataclass(frozen=True)
class HandoverPart:
    """What another domain adds to a body's shift handover (the coordination domain
    writes the handover): rows as the handover stores them (by convention `id`,
    `name`, `name_ja`, `label`, `at`, `href`, `precedence`, `detail`, `detail_ja`) and
    the label of each thing listed, which the handover's label must dominate."""

    rows: list[dict[str, Any]]
    labels: list[Label]


# A coded value of a domain's property in the reader's words, for the object page:
# called with the property's path ("kind", "place.type"), the value and the reader's
# language; None shows the value as it is.
ValueWords = Callable[[str, str, str], str | None]

# Called in the handover's transaction with the outgoing officer, the body and the
# shift's period (epoch seconds): lists only what the officer may read.
HandoverHook = Callable[["Node", Connection, Principal, str, float, float], HandoverPart]


class NamedBody(Protocol):
    """A body (an office) as a domain knows it: named in English and in Japanese."""

    @property
    def en(self) -> str: ...

    @property
    def ja(self) -> str: ...


@dataclass
class Node:
    """Everything a running node holds: settings, database, policy, store, key, and what
    the installed domains registered on it."""

    settings: Settings
    db: Database
    policy: Policy
    store: Store
    key: Ed25519PrivateKey
    arrival_hooks: list[ArrivalHook] = field(default_factory=list)
    # Sections other domains add to a shift handover: name -> (title msgid, hook).
    handover_parts: dict[str, tuple[str, HandoverHook]] = field(default_factory=dict)
    # Titles that are a vocabulary's codes, in words (msgids): type -> code -> words.
    # An answer to an item without a comment goes by its kind ("concur").
    title_words: dict[str, dict[str, str]] = field(default_factory=dict)
    # Titles of types that have no naming property, said from their body in the
    # reader's language ("ja"/"en"): a tasker's status is its office and status, where
    # its id was shown. type -> (body, lang) -> title.
    body_titles: dict[str, Callable[[dict[str, Any], str], str]] = field(default_factory=dict)
    # The words of a type's own properties on the object page, over the common ones
    # (web/fields.py): type -> property -> words (msgid).
    property_words: dict[str, dict[str, str]] = field(default_factory=dict)
    # A type's coded values in words on the object page (an incident's kind).
    value_words: dict[str, ValueWords] = field(default_factory=dict)
    # The bodies (offices) a user may belong to, as the installed domains know them,
    # each with its name in both languages: id -> body.
    bodies: dict[str, NamedBody] = field(default_factory=dict)
    # Paths that take a larger request body than `settings.max_body_bytes` (an official
    # text's upload): path -> bytes.
    body_limits: dict[str, int] = field(default_factory=dict)
    # Whether an object's page loads the attachments panel (`/attachments?of=<id>`),
    # as the attachments domain judges it by the id alone: an object that takes no
    # file shows no panel. None: no domain offers attachments, no panel at all.
    takes_attachments: Callable[[str], bool] | None = None
    # Per-domain services, built once per node (see e.g. `coordination(node)`).
    extras: dict[str, object] = field(default_factory=dict)

    def body_limit(self, path: str) -> int:
        """The largest request body `path` takes."""
        return self.body_limits.get(path, self.settings.max_body_bytes)

    @property
    def nation(self) -> str:
        return self.store.node.nation

    @property
    def system(self) -> Principal:
        return Principal.system(nation=self.nation, policy=self.policy)


@dataclass(frozen=True)
class Domain:
    """One mechanism's slice, as the rest of the node sees it.

    `install` runs when a node opens (after migrations): it registers the domain's
    types with their owner, its arrival hooks, and refuses to start on a bad data file.
    `routers` and `commands` are called by the web app and the CLI; they import the
    domain's interfaces lazily so that opening a node does not load every page.
    `migrations` names a folder of Alembic revisions of the domain's own tables.
    `seed_demo` adds the domain's part of the demo (`make run`). `scan` acts on the
    domain's work that fell due (escalation steps, reminders); a serving node runs it
    every `settings.coordination_scan_seconds`. `today` builds the domain's panels of a
    reader's start page: what waits for them, counts and charts. `agenda` lists the
    dated entries of a reader's calendar (meetings, due dates) for the iCalendar feed.
    """

    name: str
    install: Callable[[Node], None]
    routers: Callable[[], list[APIRouter]] = lambda: []
    commands: Callable[[], list[tuple[str, Typer]]] = lambda: []
    migrations: Path | None = None
    seed_demo: Callable[[Node], Any] | None = None
    scan: Callable[[Node], Any] | None = None
    today: Today | None = None
    agenda: Agenda | None = None
