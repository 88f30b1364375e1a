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
def _names_for(tag: str, secure: bool) -> CookieNames:
    # `__Host-` makes a browser take the cookie only from this host over HTTPS, with
    # no Domain and Path=/: no sibling subdomain or plain-HTTP answer can plant a
    # session or a CSRF token. Browsers refuse such names without Secure, so only
    # when cookies are Secure (KIZUNA_ENV=production).
    host = "__Host-" if secure else ""
    return CookieNames(
        session=f"{host}kizuna_session_{tag}",
        csrf=f"{host}kizuna_csrf_{tag}",
        lang=f"kizuna_lang_{tag}",
    )


def cookie_names(node: Node) -> CookieNames:
    """The cookie names of this node (eight hex digits of its key id)."""
    return _names_for(key_id(node.key)[:8], node.settings.secure_cookies)


def cookies_of(request: Request) -> CookieNames:
    """The cookie names of the node serving this request."""
    node: Node = request.app.state.node
    names: CookieNames | None = getattr(request.app.state, "cookie_names", None)
    if names is None:
        names = cookie_names(node)
        request.app.state.cookie_names = names
    return names
