"""`kizuna peer`: this node's identity for partners, and the partners themselves."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kizuna.cli.common import fail, opened, operator, print_table, settings_for
from kizuna.errors import StoreError
from kizuna.federation import peers as peer_service
from kizuna.labels import render_ceiling
from kizuna.node import key_id, public_key_pem

app = typer.Typer(help="Partner nodes: identity, peers, agreements.")
console = Console()
err = Console(stderr=True)

Db = Annotated[str | None, typer.Option("--db", help="Database URL")]


@app.command("init")
def peer_init(
    db: Db = None,
    url: Annotated[str, typer.Option(help="The URL partners reach this node at")] = "",
) -> None:
    """Print what a partner needs to add this node: nation, key id, URL, public key."""

    with opened(settings_for(db)) as node:
        console.print(f"nation  {node.nation}")
        console.print(f"key id  {key_id(node.key)}")
        console.print(f"url     {url or f'http://{node.settings.host}:{node.settings.port}'}")
        sys.stdout.write(public_key_pem(node.key))


@app.command("add")
def peer_add(
    nation: Annotated[str, typer.Argument(help="The partner's nation (ISO 3166-1 alpha-3)")],
    url: Annotated[str, typer.Option(help="The partner node's base URL")],
    public_key: Annotated[Path, typer.Option(help="File with the partner's PEM public key")],
    max_level: Annotated[str, typer.Option(help="Highest level agreed, e.g. SECRET")],
    compartment: Annotated[
        list[str] | None, typer.Option(help="Agreed compartment; repeat")
    ] = None,
    pull_token: Annotated[
        str, typer.Option(help="The token the partner issued for this node to pull with")
    ] = "",
    db: Db = None,
) -> None:
    """Add a partner; prints the token the partner pulls from this node with (once)."""

    try:
        pem = public_key.read_text()
    except OSError as exc:
        raise fail(f"--public-key: {exc}") from exc
    failure: StoreError | None = None
    token = ""
    with opened(settings_for(db)) as node:
        try:
            with node.db.write() as conn:
                token = peer_service.add_peer(
                    conn,
                    policy=node.policy,
                    own_nation=node.nation,
                    actor=operator(),
                    nation=nation,
                    url=url,
                    public_key_pem=pem,
                    max_level=max_level,
                    compartments=compartment or [],
                    pull_token=pull_token,
                    own_key=node.key.public_key(),
                )
        except StoreError as exc:
            failure = exc
    if failure is not None:
        raise fail(f"{failure.field}: {failure}" if failure.field else str(failure))
    err.print(f"added peer {nation.upper()}; give it this token to pull from this node:")
    print(token)


@app.command("token")
def peer_token(
    nation: str, token: Annotated[str, typer.Argument(help="The partner's token")], db: Db = None
) -> None:
    """Set the token this node pulls from a partner with."""

    with opened(settings_for(db)) as node:
        try:
            with node.db.write() as conn:
                peer_service.set_pull_token(conn, actor=operator(), nation=nation, token=token)
        except StoreError as exc:
            raise fail(str(exc)) from exc
    console.print(f"pull token set for {nation.upper()}")


@app.command("list")
def peer_list(db: Db = None) -> None:
    """Partners with their agreement and where the pull stands."""
    # The federation page's words (loaded here only: the other commands need no web).
    from kizuna.web.federation import failure_said

    with opened(settings_for(db)) as node, node.db.read() as conn:
        known = peer_service.list_peers(conn)
        policy = node.policy
    table = Table("nation", "url", "agreement", "last pull", "in", "quarantined", "last error")
    for p in known:
        agreement = render_ceiling(policy, p.max_rank, p.compartments)
        # The failure as the federation page says it, what to do about it included.
        table.add_row(p.nation, p.url, agreement, p.last_pull_at or "-", str(p.received),
                      str(p.quarantined), failure_said(p, "en") or "")  # fmt: skip
    print_table(table)
    # The technical detail, for the operator who reads the node's log with it.
    for p in known:
        if p.last_error:
            console.print(f"{p.nation} detail: {p.last_error}", markup=False, highlight=False)


@app.command("remove")
def peer_remove(nation: str, db: Db = None) -> None:
    """Forget a partner; its account and tokens stop working at once."""

    with opened(settings_for(db)) as node:
        try:
            with node.db.write() as conn:
                peer_service.remove_peer(conn, actor=operator(), nation=nation)
        except StoreError as exc:
            raise fail(str(exc)) from exc
    console.print(f"removed peer {nation.upper()}")
