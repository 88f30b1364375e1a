"""What every command group shares: the database option, the node of one command, the
operator's name in the audit log, and failing with a message and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kizuna.bootstrap import open_node, policy_for
from kizuna.config import Settings
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.labels import Policy
from kizuna.runtime import Node

__all__ = [
    "DbOption",
    "console",
    "err",
    "fail",
    "opened",
    "operator",
    "policy_of",
    "print_table",
    "reader",
    "settings_for",
]

console = Console()
err = Console(stderr=True)


def print_table(table: Table) -> None:
    """A table on standard output, whole: piped or captured output is read by scripts
    and people searching it, so ids and titles are never cut to a terminal's width."""
    if sys.stdout.isatty():
        console.print(table)
    else:
        Console(width=max(console.width, 240)).print(table)


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: KIZUNA_DATABASE_URL, else ./var SQLite)"),
]


def settings_for(db: str | None, **extra: object) -> Settings:
    """The settings of the environment, with the command's own options over them."""
    values: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if db:
        values["database_url"] = db
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def opened(settings: Settings) -> Iterator[Node]:
    """The node for one command, its connections closed when the command ends."""
    try:
        node = open_node(settings)
    except FileNotFoundError as exc:
        if exc.filename is not None and str(exc.filename) == str(settings.key_file):
            # The database may well be the node's: the key file is what is missing (walk
            # 44: told to run `kizuna init` on a node made long before).
            raise fail(
                f"the node's key file {settings.key_file} was not found: set "
                "KIZUNA_KEY_FILE to the key `kizuna init` made for this node's database"
            ) from exc
        raise fail(f"{exc} (run `kizuna init` first)") from exc
    except RuntimeError as exc:
        # Its own words say what to run (store/objects.py).
        raise fail(str(exc)) from exc
    except ValueError as exc:
        # A data file a domain checks when the node opens (the alliance structure...).
        raise fail(str(exc)) from exc
    try:
        yield node
    finally:
        node.db.dispose()


def policy_of(settings: Settings) -> Policy:
    """The label policy a node of `settings` runs, read without opening its database."""
    return policy_for(settings)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print the error and return the exit to raise (2: bad input, 1: a check failed)."""
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def operator() -> str:
    """Who acts from the command line, as the audit log names them."""
    return f"cli:{os.environ.get('USER', 'operator')}"


def reader(node: Node, username: str | None) -> Principal:
    """Who a command reads (or writes) as: the user named by `--user`, whose reads go
    through the store's visibility condition, or the node itself when none is named."""
    if username is None:
        return node.system
    with node.db.read() as conn:
        account = identity.find_user(conn, username)
    if account is None:
        raise fail(f"no user {username}")
    return account.principal
