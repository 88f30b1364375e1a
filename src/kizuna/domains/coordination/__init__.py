"""The Alliance Coordination Mechanism: coordination items between counterpart bodies,
the partner nation's answers, each nation's own situation determinations, deadlines
that follow an item's precedence and the determinations in force in its region, and
escalation up the ACG's levels to the national security staffs (DESIGN §1)."""

from __future__ import annotations

import functools
from pathlib import Path
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

# Passed by this domain's service to every store write of its own types.
OWNER = OwnerKey("coordination")


def _install(node: Node) -> None:
    from kizuna.domains.coordination.federation import arrived
    from kizuna.domains.coordination.model import (
        DETERMINATION_TYPE,
        ITEM_TYPE,
        RECEIPT_TYPE,
        REPLY_TYPE,
        RESPONSE_TYPE,
        RFI_TYPE,
        TASK_STATUS_TYPE,
        TASKER_TYPE,
    )
    from kizuna.domains.coordination.owner import item_rules, response_rules
    from kizuna.domains.coordination.property_words import status_title
    from kizuna.domains.coordination.service import coordination
    from kizuna.domains.coordination.staff_owner import (
        determination_rules,
        receipt_rules,
        reply_rules,
        rfi_rules,
        task_status_rules,
        tasker_rules,
    )
    from kizuna.domains.coordination.words import RESPONSE_NAMES

    # The structure file is checked now: a bad one stops the node.
    structure = coordination(node).structure
    # The structure's names stand over another domain's for the same body.
    node.bodies.update(structure.bodies)
    # An answer without a comment is titled by its kind: in words on every list.
    node.title_words[RESPONSE_TYPE] = {str(k): v for k, v in RESPONSE_NAMES.items()}
    # A tasker's status has no naming property: it goes by its office and status, as
    # the tasker's page lists it (a completed tasker names the status that completed it).
    node.body_titles[TASK_STATUS_TYPE] = functools.partial(status_title, structure)
    owners = node.store.owners
    # Both types keep the mechanism's rules on every write, keyed or not, and on every
    # version that arrives from a peer (owner.py). Answers are never changed: a nation
    # answers an item version once.
    # A release decision on an item goes through the generic release endpoint, under
    # the store's release rules; every other write takes the mechanism's own path.
    owners.register(
        ITEM_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/items (and /items/{id}/transitions)",
        open_to=frozenset({"release"}),
        rules=item_rules(structure, node.policy),
        key=OWNER,
    )
    owners.register(
        RESPONSE_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/items/{id}/responses",
        rules=response_rules,
        key=OWNER,
    )
    # A determination is its nation's own; it is recorded and ended only through the
    # mechanism, and the partner's arrives as it was made. Releasing it to the partner
    # is a releasing officer's decision, through the generic release endpoint.
    owners.register(
        DETERMINATION_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/determinations (and /determinations/{id}/end)",
        open_to=frozenset({"release"}),
        rules=determination_rules(structure),
        key=OWNER,
    )
    # An RFI is its asking nation's; on an item it is asked at the item's label (an
    # answer of the store), standalone it is created; its thread is replies.
    owners.register(
        RFI_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/rfis (and /rfis/{id}/replies, /rfis/{id}/steps)",
        open_to=frozenset({"release"}),
        rules=rfi_rules(structure),
        key=OWNER,
    )
    owners.register(
        REPLY_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/rfis/{id}/replies",
        open_to=frozenset({"release"}),
        rules=reply_rules(structure),
        key=OWNER,
    )
    owners.register(
        RECEIPT_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/receipts/acknowledge",
        open_to=frozenset({"release"}),
        rules=receipt_rules(structure),
        key=OWNER,
    )
    # A tasker is its issuing nation's; each office reports its status, never changed.
    owners.register(
        TASKER_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/taskers",
        open_to=frozenset({"release"}),
        rules=tasker_rules(structure),
        key=OWNER,
    )
    owners.register(
        TASK_STATUS_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/taskers/{id}/statuses",
        open_to=frozenset({"release"}),
        rules=task_status_rules(structure),
        key=OWNER,
    )
    # -- the watch log and the shift handover (watch.py, handover.py) --
    from kizuna.domains.coordination.watch_model import ENTRY_TYPE, HANDOVER_TYPE
    from kizuna.domains.coordination.watch_owner import entry_rules, handover_rules

    # An entry is never edited (a correction is a new entry); releasing it is a
    # releasing officer's decision through the generic endpoint, label only. A handover
    # and its signatures are written only through the mechanism.
    owners.register(
        ENTRY_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/watch",
        open_to=frozenset({"release"}),
        rules=entry_rules(structure),
        key=OWNER,
    )
    owners.register(
        HANDOVER_TYPE,
        domain="coordination",
        endpoint="POST /api/v1/coordination/handovers (and /handovers/{id}/sign)",
        rules=handover_rules(structure),
        key=OWNER,
    )
    # -- end of the watch log and the shift handover --
    node.arrival_hooks.append(arrived)
    # What hangs on an item or an RFI goes where a narrowing takes it.
    from kizuna.domains.coordination.followers import followers

    node.store.owners.follow(OWNER, followers)
    # The object page names each type's properties and coded values as its pages do.
    from kizuna.domains.coordination.property_words import PROPERTY_WORDS, value_words

    node.property_words.update(PROPERTY_WORDS)
    node.value_words.update(value_words(structure, node.policy))


def _routers() -> list[APIRouter]:
    from kizuna.domains.coordination import (
        api,
        pages,
        region_pages,
        staff_pages,
        watch_api,
        watch_pages,
    )

    return [
        api.router,
        pages.router,
        region_pages.router,
        staff_pages.router,
        watch_api.router,
        watch_pages.router,
    ]


def _commands() -> list[tuple[str, Typer]]:
    from kizuna.domains.coordination.cli import app

    return [("coord", app)]


def _seed(node: Node) -> None:
    from kizuna.domains.coordination.demo import seed_demo

    seed_demo(node)


def _scan(node: Node) -> None:
    from kizuna.domains.coordination.service import coordination

    mechanism = coordination(node)
    mechanism.scan()
    mechanism.scan_taskers()


def _today(node: Node, principal: Principal) -> list[Panel]:
    from kizuna.domains.coordination.today import today

    return today(node, principal)


def _agenda(node: Node, principal: Principal) -> list[Entry]:
    from kizuna.domains.coordination.agenda import agenda

    return agenda(node, principal)


DOMAIN = Domain(
    name="coordination",
    install=_install,
    routers=_routers,
    commands=_commands,
    seed_demo=_seed,
    scan=_scan,
    today=_today,
    agenda=_agenda,
    migrations=Path(__file__).parent / "migrations",
)
