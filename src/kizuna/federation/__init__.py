"""National nodes: peers, the collection each peer pulls, the pull loop and the guard
that judges every arriving object (DESIGN §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kizuna.runtime import Node

__all__ = ["install"]


def install(node: Node) -> None:
    """Register what the federation owns on an opened node (the recall type)."""
    from kizuna.federation.recall import register

    register(node)
