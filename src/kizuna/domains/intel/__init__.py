"""Bilateral Information Analysis Cell: reports, assessments, observations and joint
analytic products released only when a releasing officer of every nation the draft is
releasable to has approved the same version, each on their own nation's node."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

    from kizuna.identity.principal import Principal
    from kizuna.today import Panel

__all__ = ["DOMAIN", "OWNER", "is_joint_product"]

OWNER = OwnerKey("intel")


def is_joint_product(body: dict[str, Any]) -> bool:
    from kizuna.stix.types import JOINT_PRODUCT

    # Asked of raw bodies on every write path, before they are parsed: any shape.
    extensions = body.get("extensions")
    return (
        body.get("type") == "grouping"
        and isinstance(extensions, dict)
        and (JOINT_PRODUCT in extensions)
    )


def _install(node: Node) -> None:
    owners = node.store.owners
    from kizuna.domains.intel.joint import arrived
    from kizuna.domains.intel.model import APPROVAL_TYPE
    from kizuna.domains.intel.rules import (
        approval_rules,
        assessment_rules,
        joint_rules,
        observation_rules,
    )

    # Assessments and observations have no life cycle beyond their schema, which the
    # store checks on every path, their texts and (observations) their time: any path
    # may write them.
    for stix_type, rules in (
        ("x-kizuna-assessment", assessment_rules),
        ("x-kizuna-observation", observation_rules),
    ):
        owners.register(
            stix_type,
            domain="intel",
            endpoint="POST /api/v1/intel/{kind}",
            rules=rules,
            open_to=frozenset({"create", "revise", "release"}),
            key=OWNER,
        )

    # Joint products and approvals take the cell's own paths only; their rules also
    # judge every version that arrives from a peer.
    owners.register(
        "grouping",
        domain="intel",
        endpoint="POST /api/v1/intel/joint-products (PUT /joint-products/{id} to edit a draft)",
        rules=joint_rules(node.policy),
        claims=is_joint_product,
        key=OWNER,
    )
    owners.register(
        APPROVAL_TYPE,
        domain="intel",
        endpoint="POST /api/v1/intel/joint-products/{id}/approve",
        rules=approval_rules,
        key=OWNER,
    )
    node.arrival_hooks.append(arrived)
    # The object page names the properties and coded values as the intel pages do.
    from kizuna.domains.intel.property_words import PROPERTY_WORDS, VALUE_WORDS

    node.property_words.update(PROPERTY_WORDS)
    node.value_words.update(VALUE_WORDS)


def _routers() -> list[APIRouter]:
    from kizuna.domains.intel import api, pages

    return [api.router, pages.router]


def _commands() -> list[tuple[str, Typer]]:
    from kizuna.domains.intel.cli import app

    return [("intel", app)]


def _seed(node: Node) -> None:
    from kizuna.domains.intel.demo import seed_demo

    seed_demo(node)


def _today(node: Node, principal: Principal) -> list[Panel]:
    from kizuna.domains.intel.today import today

    return today(node, principal)


DOMAIN = Domain(
    name="intel",
    install=_install,
    routers=_routers,
    commands=_commands,
    migrations=Path(__file__).parent / "migrations",
    seed_demo=_seed,
    today=_today,
)
