"""`kizuna user`: add users, manage the life cycle of their accounts, and their tokens.

Every command is one audited action of the operator (`cli:$USER`); a wrong name or a
change that changes nothing exits 2 naming the problem, and changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Connection

from kizuna.cli.common import DbOption, console, fail, opened, operator, print_table, settings_for
from kizuna.errors import Invalid, StoreError
from kizuna.federation.peers import PEER_TOKEN_DAYS, peer_for_account
from kizuna.identity import accounts
from kizuna.identity import service as identity
from kizuna.identity.principal import Role
from kizuna.web.names import body_name

__all__ = ["app"]

app = typer.Typer(help="Users, their accounts and their API tokens.")
token_app = typer.Typer(help="API tokens: issue, list, revoke.")
app.add_typer(token_app, name="token")


def _act(db: str | None, action: Callable[[Any, Connection], Any]) -> Any:
    """Run one write action; report a refusal after the node is closed."""
    failure: StoreError | None = None
    result: Any = None
    with opened(settings_for(db)) as node:
        try:
            with node.db.write() as conn:
                result = action(node, conn)
        except StoreError as exc:
            failure = exc
    if failure is not None:
        raise fail(f"{failure.field}: {failure}" if failure.field else str(failure))
    return result


def _peer_note(db: str | None, username: str) -> None:
    """What a partner node's account needs that a person's does not: a pull token,
    which deactivation revoked and reactivation does not give back."""
    with opened(settings_for(db)) as node, node.db.read() as conn:
        peer = peer_for_account(conn, username)
    if peer is not None:
        console.print(
            f"{username} is the account of the partner node {peer.nation}: its pull token "
            f"is revoked; to let {peer.nation} pull again, reactivate it, then run "
            f"`kizuna user token issue {username}` here and `kizuna peer token "
            f"{node.nation} TOKEN` on {peer.nation}'s node (`kizuna peer remove "
            f"{peer.nation}` ends the partnership instead)"
        )


def _password_from_stdin() -> str:
    return sys.stdin.readline().rstrip("\n")


def _known_bodies(node: Any, body: list[str] | None) -> None:
    # A mistyped body would leave the officer out of every notice of their own.
    unknown = sorted(set(body or []) - set(node.bodies))
    if unknown:
        known = ", ".join(sorted(node.bodies))
        raise Invalid(f"unknown body '{unknown[0]}'; known: {known}", field="body")


@app.command("add")
def user_add(
    username: str,
    nation: Annotated[str, typer.Option(help="ISO 3166-1 alpha-3")],
    clearance: Annotated[str, typer.Option(help="Level name, e.g. SECRET or 極秘")],
    compartment: Annotated[list[str] | None, typer.Option(help="Repeat for each")] = None,
    role: Annotated[
        list[str] | None, typer.Option(help=f"Repeat for each: {', '.join(Role)}")
    ] = None,
    body: Annotated[list[str] | None, typer.Option(help="Bodies the user belongs to")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
    db: DbOption = None,
) -> None:
    """Add a user."""
    password = _password_from_stdin() if password_stdin else None

    def add(node: Any, conn: Connection) -> Any:
        _known_bodies(node, body)
        return identity.add_user(
            conn,
            policy=node.policy,
            actor=operator(),
            username=username,
            nation=nation.upper(),
            clearance=clearance,
            compartments=compartment,
            roles=role,
            bodies=body,
            password=password,
            home=node.nation,
        )

    _act(db, add)
    console.print(f"added {username}")


@app.command("change")
def user_change(
    username: str,
    clearance: Annotated[str | None, typer.Option(help="Level name, e.g. SECRET")] = None,
    compartment: Annotated[
        list[str] | None, typer.Option(help="Repeat for each; replaces them all")
    ] = None,
    no_compartments: Annotated[bool, typer.Option(help="Take every compartment away")] = False,
    role: Annotated[
        list[str] | None,
        typer.Option(help=f"Repeat for each; replaces them all: {', '.join(Role)}"),
    ] = None,
    body: Annotated[
        list[str] | None, typer.Option(help="Repeat for each; replaces them all")
    ] = None,
    db: DbOption = None,
) -> None:
    """Change a user's clearance, compartments, roles or bodies (what is given replaces
    what they held); a lowered clearance holds on their next request."""

    def change(node: Any, conn: Connection) -> Any:
        peer = peer_for_account(conn, username)
        if peer is not None:
            raise Invalid(
                f"{username} is the account of the partner node {peer.nation}: its "
                "clearance is the agreement (`kizuna peer remove`, then `kizuna peer add`)",
                field="username",
            )
        _known_bodies(node, body)
        return accounts.change(
            conn,
            policy=node.policy,
            actor=operator(),
            username=username,
            clearance=clearance,
            compartments=[] if no_compartments else compartment,
            roles=role,
            bodies=body,
            home=node.nation,
        )

    said = _act(db, change)
    console.print(f"changed {username}: " + "; ".join(f"{k} {v}" for k, v in said.items()))


@app.command("list")
def user_list(db: DbOption = None) -> None:
    """Every user: nation, clearance, roles, whether active, what holds them signed in."""
    with opened(settings_for(db)) as node, node.db.read() as conn:
        found = accounts.list_accounts(conn)
        names = {level.rank: level.name for level in node.policy.levels}
        bodies = node.bodies
    # Bodies by name, their ids beside them: what `--body` takes.
    table = Table(
        "user", "nation", "clearance", "roles", "bodies", "body ids", "state", "sessions",
        "tokens",
    )  # fmt: skip
    for a in found:
        state = "active" if a.active else "inactive"
        if a.throttled_sources:
            state += f", throttled from {a.throttled_sources} address(es)"
        table.add_row(
            a.username,
            a.nation,
            names.get(a.clearance_rank, str(a.clearance_rank))
            + (f"//{a.compartments.replace(',', '/')}" if a.compartments else ""),
            a.roles.replace(",", ", "),
            ", ".join(body_name(bodies, b, "en") for b in a.bodies.split(",") if b),
            a.bodies.replace(",", ", "),
            state,
            str(a.sessions),
            str(a.tokens),
        )
    print_table(table)


@app.command("deactivate")
def user_deactivate(username: str, db: DbOption = None) -> None:
    """Stop a user signing in; end their sessions and revoke their tokens now."""
    _act(db, lambda _n, conn: accounts.deactivate(conn, actor=operator(), username=username))
    console.print(f"deactivated {username}: sessions ended, tokens revoked")
    _peer_note(db, username)


@app.command("reactivate")
def user_reactivate(username: str, db: DbOption = None) -> None:
    """Let a deactivated user sign in again (revoked tokens stay revoked)."""
    _act(db, lambda _n, conn: accounts.reactivate(conn, actor=operator(), username=username))
    console.print(f"reactivated {username}")
    _peer_note(db, username)


@app.command("password")
def user_password(username: str, db: DbOption = None) -> None:
    """Set a new password, read from stdin; the user's sessions and tokens end."""
    password = _password_from_stdin()
    _act(
        db,
        lambda _n, conn: accounts.set_password(
            conn, actor=operator(), username=username, password=password
        ),
    )
    console.print(f"new password for {username}: sessions ended, tokens revoked")


@app.command("unlock")
def user_unlock(username: str, db: DbOption = None) -> None:
    """Forget the failed sign-ins under a name, from every address."""
    cleared = _act(db, lambda _n, conn: accounts.unlock(conn, actor=operator(), username=username))
    console.print(f"unlocked {username} ({cleared} address(es) were counted)")


@token_app.command("issue")
def token_issue(
    username: str,
    days: Annotated[
        int | None,
        typer.Option(
            help="Days the token lives (default: KIZUNA_TOKEN_DAYS, 90; a partner node's "
            "account, 365, as `kizuna peer add` gives)"
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Issue a new API token for a user and print it (shown once)."""

    def issue(node: Any, conn: Connection) -> str:
        user = identity.find_user(conn, username)
        if user is None:
            raise StoreError(f"no active user {username}", field="username")
        if days is not None:
            lifetime = days
        elif peer_for_account(conn, username) is not None:
            # A partner's renewal lives as long as the token `peer add` first gave it,
            # so renewing does not shorten the pull to a person's token.
            lifetime = PEER_TOKEN_DAYS
        else:
            lifetime = node.settings.token_days
        return identity.issue_token(conn, user=user, actor=operator(), days=lifetime)

    print(_act(db, issue))


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens")] = None,
    db: DbOption = None,
) -> None:
    """Tokens by their prefix: who holds them, issued, expires, state."""
    failure: StoreError | None = None
    found: list[accounts.TokenInfo] = []
    with opened(settings_for(db)) as node, node.db.read() as conn:
        try:
            found = accounts.list_tokens(conn, username=username)
        except StoreError as exc:
            failure = exc
    if failure is not None:
        raise fail(f"{failure.field}: {failure}")
    table = Table("prefix", "user", "issued", "expires", "state")
    for t in found:
        table.add_row(t.prefix, t.username, t.created_at[:19], (t.expires_at or "")[:19], t.state)
    print_table(table)


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's prefix, as `token list` shows")],
    db: DbOption = None,
) -> None:
    """Revoke one token now."""
    done = _act(db, lambda _n, conn: accounts.revoke_token(conn, actor=operator(), prefix=prefix))
    console.print(f"revoked {done.prefix} of {done.username}")
