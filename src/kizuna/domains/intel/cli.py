"""`kizuna intel`: the cell's objects from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kizuna.cli.common import fail, opened, print_table, reader, settings_for
from kizuna.domains.intel import joint, model, service
from kizuna.errors import StoreError

app = typer.Typer(help="BIAC: reports, assessments, observations, joint products.")
console = Console()


@app.command("list")
def list_intel(
    kind: Annotated[str, typer.Argument(help="reports, assessments, observations, joint-products")],
    user: Annotated[str | None, typer.Option(help="List what this user may read")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL")] = None,
) -> None:
    """List the newest objects of a kind (as USER, or everything on the node)."""
    found = model.kind_of(kind)
    if found is None:
        raise fail(f"no kind {kind}; known: {', '.join(k.key for k in model.KINDS)}")
    with opened(settings_for(db)) as node:
        page = service.listing(node.store, reader(node, user), found, limit=100)
    table = Table("label", "id", "title", "version", "modified", title=found.en)
    for obj in page.items:
        body = obj.object
        title = str(body.get("name") or body.get("place") or "")
        table.add_row(obj.label_text, obj.id, title, str(obj.version), obj.modified)
    print_table(table)


def _print(state: joint.JointState) -> None:
    console.print(f"{state.product.id}")
    console.print(f"state: {state.state}")
    console.print(f"label: {state.product.label_text}")
    console.print(f"target label: {state.target_label}")
    console.print(f"version: {state.product.version} (modified {state.product.modified})")
    console.print(f"digest: {state.digest}")
    for a in state.approvals:
        console.print(f"approved: {a.nation} {a.officer} {a.approved_at}")
    for nation in state.withheld:
        console.print(f"approved: {nation} (the approval's record is not releasable to you)")
    for nation in state.waiting_for:
        console.print(f"waiting for: {nation}")


@app.command("show")
def show_joint(
    stix_id: Annotated[str, typer.Argument(help="A joint product's id")],
    user: Annotated[str, typer.Option("--as", help="The user who reads it")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL")] = None,
) -> None:
    """A joint product's state, the digest of its current version, and its approvals."""
    with opened(settings_for(db)) as node:
        try:
            state = joint.joint_state(node.store, reader(node, user), stix_id)
        except StoreError as exc:
            raise fail(str(exc)) from None
    _print(state)


@app.command("approve")
def approve_joint(
    stix_id: Annotated[str, typer.Argument(help="A joint product's id")],
    user: Annotated[str, typer.Option("--as", help="The releasing officer who approves")],
    digest: Annotated[str, typer.Option(help="The digest of the version read (`show`)")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL")] = None,
) -> None:
    """Approve the version of a joint product with DIGEST, as a releasing officer of
    this node's nation."""
    with opened(settings_for(db)) as node:
        try:
            state = joint.approve(node.store, reader(node, user), stix_id, digest)
        except StoreError as exc:
            raise fail(f"{exc.field}: {exc}" if exc.field else str(exc)) from None
    _print(state)
