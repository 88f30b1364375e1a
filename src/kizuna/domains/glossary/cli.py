"""`kizuna glossary`: load a file of terms, list or look up the glossary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kizuna.cli.common import (
    console,
    fail,
    opened,
    operator,
    print_table,
    reader,
    settings_for,
)
from kizuna.domains.glossary import queries
from kizuna.domains.glossary.model import TermFields
from kizuna.domains.glossary.service import load_terms
from kizuna.domains.glossary.termfile import GlossaryFileError, read_file
from kizuna.errors import StoreError
from kizuna.identity.principal import Principal
from kizuna.labels import Label

app = typer.Typer(help="The alliance glossary: terms in Japanese and English.")


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="A YAML file of terms (see README)")],
    user: Annotated[str | None, typer.Option(help="Write as this user (else the node)")] = None,
    check: Annotated[bool, typer.Option("--check", help="Check the file, write nothing")] = False,
    db: Annotated[str | None, typer.Option("--db", help="Database URL")] = None,
) -> None:
    """Load terms from FILE: new ones are added, changed ones get a new version, the
    rest is left alone. Any error names the file and line, and nothing is written."""
    with opened(settings_for(db)) as node:
        try:
            terms = read_file(file, policy=node.policy, nation=node.nation)
        except GlossaryFileError as exc:
            raise fail(str(exc)) from None
        if check:
            console.print(f"{file.name}: {len(terms)} terms, no error")
            return
        principal = reader(node, user)
        if principal.kind == "system":
            principal = Principal(name=operator(), clearance=principal.clearance, kind="system")
        # The term being written, for an error to name its line as the file's checks do.
        at: list[int] = []

        def each() -> Iterator[tuple[TermFields, Label]]:
            for term in terms:
                at[:] = [term.line]
                yield term.fields, term.label

        try:
            done = load_terms(node, principal, each())
        except StoreError as exc:
            where = f"{file.name} line {at[0]}" if at else file.name
            reason = f"{exc.field}: {exc}" if exc.field else str(exc)
            raise fail(f"{where}: {reason}; nothing was written") from None
    console.print(
        f"{file.name}: {len(done.created)} added, {len(done.edited)} edited, "
        f"{len(done.unchanged)} unchanged"
        + (f", {len(done.partners)} held from the partner already" if done.partners else "")
    )


@app.command("list")
def list_terms(
    q: Annotated[
        str | None, typer.Option("--q", help="Look up: a form, reading or abbreviation")
    ] = None,
    user: Annotated[str | None, typer.Option(help="List what this user may read")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL")] = None,
) -> None:
    """The terms (as USER, or everything on the node), or those a look-up finds."""
    with opened(settings_for(db)) as node:
        try:
            found = queries.look_up(node.store, reader(node, user), q, limit=200)
        except StoreError as exc:
            raise fail(str(exc)) from None
    table = Table("label", "id", "日本語", "English", "status", title=f"{found.total} terms")
    for term in found.terms:
        body = term.object
        table.add_row(term.label_text, term.id, str(body.get("name_ja", "")),
                      str(body.get("name", "")), str(body.get("status", "")))  # fmt: skip
    print_table(table)
