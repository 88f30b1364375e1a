"""Request dependencies: the node, and the principal behind a bearer token (REST)
or a session cookie (pages), plus the CSRF check for forms."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError

from kizuna.federation.peers import peer_of
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.web.cookies import cookies_of

__all__ = [
    "ApiPrincipal",
    "NodeDep",
    "PagePrincipal",
    "PeerTokenPrincipal",
    "check_csrf",
    "check_form_text",
    "csrf_token",
    "get_node",
]


class LoginRequired(Exception):
    """A page needs a signed-in user: the app answers with a redirect to /login."""


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


def _bearer(request: Request, node: Node) -> tuple[Principal, bool]:
    """The principal behind the bearer token, and whether it is a partner node's
    account."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    with node.db.read() as conn:
        principal = identity.principal_for_token(conn, token.strip())
        peer = principal is not None and peer_of(conn, principal) is not None
    if principal is None:
        raise HTTPException(
            401, "the bearer token is not valid", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal, peer


def api_principal(request: Request, node: NodeDep) -> Principal:
    """A person's (or a program's) token. A partner node's account is refused here:
    it reads its own TAXII collection, which holds only what this node originated, and
    calls the federation endpoints; through the REST API it would read what other
    nations' nodes sent this one (walk 37), which is theirs to share."""
    principal, peer = _bearer(request, node)
    if peer:
        raise HTTPException(
            403, "a partner node's account reads its own TAXII collection and calls the "
            "federation endpoints only",
        )  # fmt: skip
    return principal


def peer_token_principal(request: Request, node: NodeDep) -> Principal:
    """Any valid token, a partner node's account included (the federation endpoints,
    which check the account themselves)."""
    return _bearer(request, node)[0]


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
PeerTokenPrincipal = Annotated[Principal, Depends(peer_token_principal)]


def page_principal(request: Request, node: NodeDep) -> Principal:
    session_id = request.cookies.get(cookies_of(request).session)
    if session_id:
        with node.db.read() as conn:
            principal = identity.principal_for_session(conn, session_id)
        if principal is not None:
            # Error pages rendered later in this request still show who is signed in.
            request.state.principal = principal
            return principal
    raise LoginRequired()


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def csrf_token(request: Request) -> str:
    """The token forms must echo: the CSRF cookie, or a new one the response sets."""
    token = request.cookies.get(cookies_of(request).csrf)
    if not token:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


async def check_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """Double-submit check: the form field must equal the cookie set by this node. Then
    no field may hold U+0000, which PostgreSQL's text cannot store (a 500 there, kept on
    SQLite): every page form passes here, so each is refused alike, naming the field."""
    check_csrf_token(request, csrf_token)
    await check_form_text(request)


async def check_form_text(request: Request) -> None:
    """No field of a page form may hold U+0000 (see `check_csrf`)."""
    # Parsed once: the route's own `request.form()` gets the same, cached.
    form = await request.form()
    for key, value in form.multi_items():
        if isinstance(value, str) and "\x00" in value:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("body", key),
                        "msg": f"{key} holds U+0000, which no text may hold",
                        "input": None,
                    }
                ]
            )


def check_csrf_token(request: Request, csrf_token: str) -> None:
    """The double-submit check alone, for a route that reads its form itself."""
    cookie = request.cookies.get(cookies_of(request).csrf, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        raise HTTPException(403, "the form is stale or was not sent by this site (CSRF)")
