"""`kizuna`: initialize a node, serve it, manage users, verify the audit log."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kizuna import audit
from kizuna.bootstrap import DEMO_USERS, Node, initialize, open_node, seed_demo
from kizuna.config import Settings
from kizuna.identity import service as identity
from kizuna.store import StoreError

app = typer.Typer(help="Kizuna: the alliance's coordination mechanisms, one node per nation.")
user_app = typer.Typer(help="Users and their API tokens.")
audit_app = typer.Typer(help="The tamper-evident audit log.")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")

console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: KIZUNA_DATABASE_URL, else ./var SQLite)"),
]


def _settings(db: str | None, **extra: object) -> Settings:
    values: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if db:
        values["database_url"] = db
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def _opened(settings: Settings) -> Iterator[Node]:
    """The node for one command, its connections closed when the command ends."""
    try:
        node = open_node(settings)
    except (RuntimeError, FileNotFoundError) as exc:
        raise _fail(f"{exc} (run `kizuna init` first)") from exc
    try:
        yield node
    finally:
        node.db.dispose()


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@app.command()
def init(
    db: DbOption = None,
    nation: Annotated[str, typer.Option(help="This node's nation (ISO 3166-1 alpha-3)")] = "JPN",
    name: Annotated[
        str | None, typer.Option(help="Node name (default: nation, lower case)")
    ] = None,
    demo: Annotated[bool, typer.Option(help="On a new node, add demo users and objects")] = False,
) -> None:
    """Create the database schema and the node identity (key, secret)."""
    settings = _settings(db)
    try:
        created = initialize(settings, nation=nation.upper(), name=name)
    except (ValueError, StoreError) as exc:
        raise _fail(str(exc)) from exc
    if not created:
        console.print(f"node already initialized ({settings.database_url})")
        return
    console.print(f"initialized node {nation.upper()} at {settings.database_url}")
    console.print(f"node key: {settings.key_file}")
    if demo:
        with _opened(settings) as node:
            made = seed_demo(node)
        table = Table(title="Demo users (passwords shown once)")
        for column in ("user", "password", "nation", "clearance", "roles"):
            table.add_column(column)
        for (username, password), spec in zip(made, DEMO_USERS, strict=True):
            table.add_row(username, password, spec[1], spec[2], ", ".join(spec[4]))
        console.print(table)


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the pages, the REST API and (later) TAXII."""
    import uvicorn

    from kizuna.web.app import create_app

    settings = _settings(db, host=host, port=port)
    with _opened(settings) as node:
        console.print(f"Kizuna node {node.nation} on http://{settings.host}:{settings.port}/")
        uvicorn.run(
            create_app(node, checkpoints=True),
            host=settings.host,
            port=settings.port,
            log_level="warning",
        )


@user_app.command("add")
def user_add(
    username: str,
    nation: Annotated[str, typer.Option(help="ISO 3166-1 alpha-3")],
    clearance: Annotated[str, typer.Option(help="Level name, e.g. SECRET or 極秘")],
    compartment: Annotated[list[str] | None, typer.Option(help="Repeat for each")] = None,
    role: Annotated[
        list[str] | None, typer.Option(help="reader, author, releasing_officer, admin")
    ] = None,
    body: Annotated[list[str] | None, typer.Option(help="Bodies the user belongs to")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
    db: DbOption = None,
) -> None:
    """Add a user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    failure: StoreError | None = None
    with _opened(_settings(db)) as node:
        try:
            with node.db.write() as conn:
                identity.add_user(
                    conn,
                    policy=node.policy,
                    actor=_operator(),
                    username=username,
                    nation=nation.upper(),
                    clearance=clearance,
                    compartments=compartment,
                    roles=role,
                    bodies=body,
                    password=password,
                )
        except StoreError as exc:
            failure = exc
    # Report after the node is closed: nothing of it outlives the command.
    if failure is not None:
        raise _fail(f"{failure.field}: {failure}" if failure.field else str(failure))
    console.print(f"added {username}")


def _operator() -> str:
    return f"cli:{os.environ.get('USER', 'operator')}"


@user_app.command("token")
def user_token(username: str, db: DbOption = None) -> None:
    """Issue a new API token for a user and print it (shown once)."""
    with _opened(_settings(db)) as node, node.db.write() as conn:
        user = identity.find_user(conn, username)
        token = identity.issue_token(conn, user=user, actor=_operator()) if user else None
    if token is None:
        raise _fail(f"no user {username}")
    print(token)


@audit_app.command("verify")
def audit_verify(
    db: DbOption = None, key_file: Annotated[Path | None, typer.Option()] = None
) -> None:
    """Check the whole chain and every signed checkpoint; exit 1 at the first bad entry."""
    with _opened(_settings(db, key_file=key_file)) as node, node.db.read() as conn:
        report = audit.verify(conn, node.key.public_key())
    if report.finding is not None:
        err.print(f"[red]FAILED[/red] {report.finding}")
        raise typer.Exit(1)
    console.print(
        f"audit log intact: {report.entries} entries, {report.checkpoints} signed checkpoints"
    )


@audit_app.command("checkpoint")
def audit_checkpoint(db: DbOption = None) -> None:
    """Sign the current head of the log with the node key."""
    with _opened(_settings(db)) as node, node.db.write() as conn:
        made = audit.checkpoint(conn, node.key)
    console.print(
        f"checkpoint at entry {made.seq}" if made else "nothing new since the last checkpoint"
    )


# Domain command groups, added last: they use the helpers above when they run.
from kizuna.domains.coordination.cli import app as coord_app  # noqa: E402

app.add_typer(coord_app, name="coord")

if __name__ == "__main__":
    app()
