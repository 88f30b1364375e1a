"""The accounts page for this nation's administrators: every user and token, and the
life cycle actions of `kizuna user` (deactivate, reactivate, unlock, a new password,
revoke a token) as CSRF-protected forms. Each action is the same audited service call
as on the command line; a refusal is a 4xx naming the problem and changes nothing.

And every user's own settings (`/account`): the time zone they read times in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from kizuna import clock
from kizuna.errors import Conflict, NotFound, StoreError
from kizuna.federation.peers import list_peers, peer_for_account
from kizuna.identity import accounts
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.names import ROLE_NAMES
from kizuna.web.pages import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_TOKEN_STATES = {"active": N_("Active"), "expired": N_("Expired"), "revoked": N_("Revoked")}
# What the page says after each action: `?done=` names one of these, and nothing else
# in the address is ever shown.
_DONE = {
    "deactivate": N_("Account deactivated: its sessions and tokens have ended."),
    "reactivate": N_("Account reactivated: tokens revoked before stay revoked."),
    "unlock": N_("Sign-in restriction lifted."),
    "password": N_("Password set: the user's sessions and tokens have ended."),
    "revoke": N_("API token revoked."),
}
_ACTIONS: dict[str, Callable[..., Any]] = {
    "deactivate": accounts.deactivate,
    "reactivate": accounts.reactivate,
    "unlock": accounts.unlock,
}


def _admin(principal: Principal, node: NodeDep) -> None:
    # Accounts are this node's: only its own nation's user managers see or change them.
    node.store.require(principal, Permission.USER_MANAGE, "manage accounts")


class PeerAccount(Conflict):
    """A partner node's account, which `kizuna peer` manages."""


def _unless_peer(username: str, action: Callable[[Connection], Any]) -> Callable[[Connection], Any]:
    """`action` on an account, refused for a partner node's account."""

    def run(conn: Connection) -> Any:
        if peer_for_account(conn, username) is not None:
            raise PeerAccount(f"{username} is a partner node's account", field="username")
        return action(conn)

    return run


def _run(
    request: Request,
    principal: Principal,
    node: NodeDep,
    action: Callable[[Connection], Any],
    done: str,
    about: str,
) -> Response:
    """`action` in the store's transaction, then back to the page saying it was done.

    A refusal (an account above the administrator, a password too short) is rolled
    back and audited, and answered with the accounts page itself, the reason on the
    row of `about` (a username or a token's prefix) in the reader's words: the
    administrator sees the list where they were, not an error page to come back from."""
    try:
        with node.store.transaction(principal) as conn:
            action(conn)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except StoreError as exc:
        return _refused(request, principal, node, exc, (about, done))
    return RedirectResponse(f"/admin/accounts?done={done}", status_code=303)


# Refusals said in their own words: the generic word for a bare 409 ("changed
# meanwhile") does not say the rule.
_OWN_WORDS: dict[type[StoreError], str] = {
    PeerAccount: N_("A partner node's account: managed with kizuna peer (remove, token)."),
    accounts.OwnAccount: N_("You cannot deactivate your own account."),
}


def _refused(
    request: Request,
    principal: Principal,
    node: NodeDep,
    exc: StoreError,
    about: tuple[str, str],
) -> HTMLResponse:
    lang = choose_lang(request)
    own = _OWN_WORDS.get(type(exc))
    said = translations(lang).gettext(own) if own else explain(exc, lang)
    # A bare StoreError (400) is something wrong with what was sent.
    status = exc.status if exc.status > 400 else 422
    return _listing(request, principal, node, status=status, error=(*about, said))


@router.get("/admin/accounts")
def accounts_page(
    request: Request, principal: PagePrincipal, node: NodeDep, done: str | None = None
) -> HTMLResponse:
    _admin(principal, node)
    return _listing(request, principal, node, done=_DONE.get(done or ""))


def _listing(
    request: Request,
    principal: Principal,
    node: NodeDep,
    *,
    done: str | None = None,
    error: tuple[str, str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page; `error` is (the username or token prefix refused, the action, the
    reason said)."""
    with node.db.read() as conn:
        found = accounts.list_accounts(conn)
        tokens = accounts.list_tokens(conn)
        peer_accounts = {p.account for p in list_peers(conn)}
    # Accounts cleared above the administrator are listed, but offer no action.
    above = {a.username for a in found if not a.within(principal.clearance)}
    japanese = choose_lang(request) == "ja"
    return page(
        request,
        "accounts.html",
        principal=principal,
        labels=[Label(node.policy.lowest.rank, frozenset({node.nation}))],
        accounts=found,
        tokens=tokens,
        peer_accounts=peer_accounts,
        above=above,
        levels={level.rank: level.ja if japanese else level.name for level in node.policy.levels},
        role_names=ROLE_NAMES,
        token_states=_TOKEN_STATES,
        done=done,
        error=error,
        status=status,
    )


@router.post("/admin/accounts/tokens/{prefix}/revoke", dependencies=[Depends(check_csrf)])
def revoke(request: Request, prefix: str, principal: PagePrincipal, node: NodeDep) -> Response:
    _admin(principal, node)

    def revoke_one(conn: Connection) -> Any:
        # A partner node's pull token is `kizuna peer`'s: revoked here, the partner
        # stops receiving with nothing to say why (walk 44).
        owner = accounts.token_owner(conn, prefix)
        return _unless_peer(
            owner,
            lambda conn: accounts.revoke_token(
                conn, actor=principal.name, prefix=prefix, reach=principal.clearance
            ),
        )(conn)

    return _run(request, principal, node, revoke_one, "revoke", prefix)


@router.post("/admin/accounts/{username}/password", dependencies=[Depends(check_csrf)])
def set_password(
    request: Request,
    username: str,
    principal: PagePrincipal,
    node: NodeDep,
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    _admin(principal, node)
    return _run(
        request,
        principal,
        node,
        _unless_peer(
            username,
            lambda conn: accounts.set_password(
                conn,
                actor=principal.name,
                username=username,
                password=password,
                reach=principal.clearance,
            ),
        ),
        "password",
        username,
    )


@router.post("/admin/accounts/{username}/{action}", dependencies=[Depends(check_csrf)])
def account_action(
    request: Request, username: str, action: str, principal: PagePrincipal, node: NodeDep
) -> Response:
    _admin(principal, node)
    act = _ACTIONS.get(action)
    if act is None:
        raise HTTPException(404, f"no account action {action}")
    return _run(
        request,
        principal,
        node,
        _unless_peer(
            username,
            lambda conn: act(
                conn, actor=principal.name, username=username, reach=principal.clearance
            ),
        ),
        action,
        username,
    )


# Offered first: the zones of the alliance's people and places.
_COMMON_ZONES = (
    "Asia/Tokyo", "UTC", "Pacific/Guam", "Pacific/Honolulu", "America/Los_Angeles",
    "America/Chicago", "America/New_York", "Australia/Sydney", "Asia/Seoul", "Asia/Manila",
    "Europe/Brussels",
)  # fmt: skip


def _settings(
    request: Request,
    principal: Principal,
    node: NodeDep,
    *,
    error: str | None = None,
    chosen: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    others = [z for z in accounts.zones() if z not in _COMMON_ZONES]
    return page(
        request,
        "account.html",
        principal=principal,
        labels=[Label(node.policy.lowest.rank, frozenset({node.nation}))],
        common=_COMMON_ZONES,
        others=others,
        chosen=principal.zone if chosen is None else chosen,
        now=clock.now(),
        error=error,
        status=status,
    )


@router.get("/account")
def account_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    return _settings(request, principal, node)


@router.post("/account/zone", dependencies=[Depends(check_csrf)])
def set_zone(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    zone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        with node.db.write() as conn:
            accounts.set_zone(conn, actor=principal.name, username=principal.name,
                              zone=zone or None)  # fmt: skip
    except StoreError as exc:
        # The choice comes back as sent, with the reason in the reader's words.
        said = explain(exc, choose_lang(request))
        return _settings(request, principal, node, error=said, chosen=zone, status=422)
    return RedirectResponse("/account", status_code=303)
