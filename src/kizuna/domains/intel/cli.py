"""`kizuna intel`: the cell's objects from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kizuna.cli.common import fail, opened, settings_for
from kizuna.domains.intel import model, service

app = typer.Typer(help="BIAC: reports, assessments, observations, joint products.")
console = Console()


@app.command("list")
def list_intel(
    kind: Annotated[str, typer.Argument(help="reports, assessments, observations, joint-products")],
    user: Annotated[str | None, typer.Option(help="List what this user may read")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL")] = None,
) -> None:
    """List the newest objects of a kind (as USER, or everything on the node)."""
    from kizuna.identity import service as identity

    found = model.kind_of(kind)
    if found is None:
        raise fail(f"no kind {kind}; known: {', '.join(k.key for k in model.KINDS)}")
    with opened(settings_for(db)) as node:
        principal = node.system
        if user is not None:
            with node.db.read() as conn:
                account = identity.find_user(conn, user)
            if account is None:
                raise fail(f"no user {user}")
            principal = account.principal
        page = service.listing(node.store, principal, found, limit=100)
    table = Table("label", "id", "title", "version", "modified", title=found.en)
    for obj in page.items:
        body = obj.object
        title = str(body.get("name") or body.get("place") or "")
        table.add_row(obj.label_text, obj.id, title, str(obj.version), obj.modified)
    console.print(table)
