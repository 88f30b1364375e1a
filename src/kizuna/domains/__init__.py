"""The alliance's mechanisms, one package each, top to bottom (DESIGN §3).

Each package exposes `DOMAIN` (a `kizuna.runtime.Domain`): the start-up code, the web
app and the CLI find the domains here, and nothing below them names one."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from kizuna.runtime import Domain, Node

__all__ = ["INSTALLED", "install", "installed", "migration_folders"]

# The order in which domains install, show in the navigation and seed the demo.
INSTALLED = ("coordination", "intel", "meetings", "incidents", "attachments", "glossary")


def installed() -> list[Domain]:
    return [import_module(f"kizuna.domains.{name}").DOMAIN for name in INSTALLED]


def install(node: Node) -> Node:
    """Register every installed domain on an opened node (types, owners, hooks)."""
    for domain in installed():
        domain.install(node)
    return node


def migration_folders() -> list[Path]:
    return [d.migrations for d in installed() if d.migrations is not None]
