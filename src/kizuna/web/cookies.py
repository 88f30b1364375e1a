"""The names of a node's cookies: they carry the node's identity.

Browsers keep cookies per host, not per port, so two nodes on one machine (the demo's
JPN on :8000 and USA on :8001) would overwrite each other's session, CSRF token and
language if both used fixed names. Each name ends with a short hash of the node's
public key instead, so any number of nodes can be used side by side in one browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fastapi import Request

from kizuna.node import key_id
from kizuna.runtime import Node

__all__ = ["CookieNames", "cookie_names", "cookies_of"]


@dataclass(frozen=True)
class CookieNames:
    session: str
    csrf: str
    lang: str


@cache
def _names_for(tag: str) -> CookieNames:
    return CookieNames(
        session=f"kizuna_session_{tag}", csrf=f"kizuna_csrf_{tag}", lang=f"kizuna_lang_{tag}"
    )


def cookie_names(node: Node) -> CookieNames:
    """The cookie names of this node (eight hex digits of its key id)."""
    return _names_for(key_id(node.key)[:8])


def cookies_of(request: Request) -> CookieNames:
    """The cookie names of the node serving this request."""
    node: Node = request.app.state.node
    names: CookieNames | None = getattr(request.app.state, "cookie_names", None)
    if names is None:
        names = cookie_names(node)
        request.app.state.cookie_names = names
    return names
