"""Bilateral Information Analysis Cell: reports, assessments, observations and joint
analytic products released only when both nations' releasing officers approve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

__all__ = ["DOMAIN", "OWNER", "is_joint_product"]

OWNER = OwnerKey("intel")


def is_joint_product(body: dict[str, Any]) -> bool:
    from kizuna.stix.types import JOINT_PRODUCT

    return body.get("type") == "grouping" and JOINT_PRODUCT in (body.get("extensions") or {})


def _install(node: Node) -> None:
    owners = node.store.owners
    # Assessments and observations have no life cycle beyond their schema, which the
    # store checks on every path: any path may write them.
    for stix_type in ("x-kizuna-assessment", "x-kizuna-observation"):
        owners.register(
            stix_type,
            domain="intel",
            endpoint="POST /api/v1/intel/{kind}",
            open_to=frozenset({"create", "revise", "release"}),
            key=OWNER,
        )
    owners.register(
        "grouping",
        domain="intel",
        endpoint="POST /api/v1/intel/joint-products (and /joint-products/{id}/approve)",
        claims=is_joint_product,
        key=OWNER,
    )


def _routers() -> list[APIRouter]:
    from kizuna.domains.intel import api, pages

    return [api.router, pages.router]


def _commands() -> list[tuple[str, Typer]]:
    from kizuna.domains.intel.cli import app

    return [("intel", app)]


DOMAIN = Domain(name="intel", install=_install, routers=_routers, commands=_commands)
