"""`kizuna coord`: the board, an item, opening and answering items, the scanner.

The command line runs on the node itself; `--as` names the user whose principal
acts (the same rules apply as on the web), and the scanner acts as the node's system
principal.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from kizuna.cli.common import DbOption, fail, opened, print_table, settings_for
from kizuna.domains.coordination import queries
from kizuna.domains.coordination.inputs import ItemCreate, ResponseCreate
from kizuna.domains.coordination.model import ResponseKind
from kizuna.domains.coordination.service import coordination, iso_time
from kizuna.domains.coordination.structure import PRECEDENCES, StructureError
from kizuna.errors import StoreError, validator_said
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.store.listing import title_of

__all__ = ["app"]

app = typer.Typer(help="Alliance Coordination Mechanism: items, answers, escalation.")
console = Console()

AsUser = Annotated[str, typer.Option("--as", help="The user who acts")]


def _opened(db: str | None) -> Any:
    return opened(settings_for(db))


def _principal(node: object, username: str) -> Principal:
    with node.db.read() as conn:  # type: ignore[attr-defined]
        user = identity.find_user(conn, username)
    if user is None:
        raise fail(f"no user {username}")
    return user.principal


def _error(exc: StoreError | StructureError | ValidationError) -> typer.Exit:
    if isinstance(exc, ValidationError):
        # What was typed, by its option (a title or text that would not show as written):
        # a refusal that names the option, not a traceback.
        said = [
            f"--{'-'.join(str(p) for p in e.get('loc', ())).replace('_', '-')}: {validator_said(e)}"
            for e in exc.errors()
        ]
        return fail("; ".join(said))
    field = getattr(exc, "field", None)
    return fail(f"{field}: {exc}" if field else str(exc))


@app.command("list")
def list_items(
    as_user: AsUser,
    state: Annotated[str | None, typer.Option(help="Only items in this state")] = None,
    tier: Annotated[str | None, typer.Option(help="Only items of this tier")] = None,
    db: DbOption = None,
) -> None:
    """The board: items the user may see, overdue first."""
    failure = None
    with _opened(db) as node:
        try:
            c = coordination(node)
            rows = queries.board(c, _principal(node, as_user), state=state, tier=tier)
        except (StoreError, StructureError) as exc:
            failure = exc
    if failure is not None:
        raise _error(failure)
    table = Table(title="Coordination board")
    for column in ("id", "title", "state", "tier", "region", "precedence", "due", "label"):
        table.add_column(column)
    for r in rows:
        due = iso_time(r.due_at) + (" OVERDUE" if r.overdue else "") if r.due_at else ""
        table.add_row(
            r.item.id,
            title_of(r.item.object, r.item.id, "en"),
            r.state,
            r.tier,
            r.region,
            r.precedence,
            due,
            r.item.label_text,
        )
    print_table(table)


@app.command("show")
def show(stix_id: str, as_user: AsUser, db: DbOption = None) -> None:
    """An item and its timeline."""
    failure = None
    with _opened(db) as node:
        try:
            facts, events = queries.timeline(coordination(node), _principal(node, as_user), stix_id)
        except (StoreError, StructureError) as exc:
            failure = exc
    if failure is not None:
        raise _error(failure)
    console.print(f"{stix_id}: {facts['state']} at {facts['tier']} tier, region {facts['region']}")
    if facts["due_at"] is not None:
        console.print(f"due {iso_time(facts['due_at'])}")
    for e in events:
        if e.version is not None:
            o = e.version.object
            console.print(f"{e.at}  version {e.version.version}: {o['state']} ({e.version.author})")
        elif e.response is not None:
            o = e.response.object
            console.print(f"{e.at}  answer of {o['nation']}: {o['kind']} {o.get('comment', '')}")
        elif e.step is not None:
            console.print(f"{e.at}  escalation step {e.step['number']} -> {e.step['to_body']}")


@app.command("open")
def open_item(
    as_user: AsUser,
    title_en: Annotated[str, typer.Option(help="Title in English")],
    title_ja: Annotated[str, typer.Option(help="Title in Japanese")],
    requesting_body: Annotated[str, typer.Option(help="Body id, e.g. jjoc")],
    counterpart_body: Annotated[str, typer.Option(help="Body id, e.g. usfj")],
    region: Annotated[str, typer.Option(help="Region id, e.g. southwest-islands")],
    label: Annotated[str, typer.Option(help="e.g. 'SECRET//REL TO JPN, USA'")],
    body_en: Annotated[str, typer.Option(help="Text in English")] = "",
    body_ja: Annotated[str, typer.Option(help="Text in Japanese")] = "",
    tier: Annotated[str | None, typer.Option(help="Default: the requesting body's")] = None,
    domain: Annotated[list[str] | None, typer.Option(help="Repeat for each")] = None,
    precedence: Annotated[
        str, typer.Option(help="FLASH, IMMEDIATE, PRIORITY or ROUTINE")
    ] = "ROUTINE",
    draft: Annotated[bool, typer.Option(help="Keep as a draft, do not propose")] = False,
    db: DbOption = None,
) -> None:
    """Open a coordination item (proposed unless --draft)."""
    if precedence not in PRECEDENCES:
        raise typer.BadParameter(
            f"'{precedence}' is not a precedence; use one of {', '.join(PRECEDENCES)}",
            param_hint="--precedence",
        )
    failure = None
    made = None
    with _opened(db) as node:
        try:
            data = ItemCreate(
                title_en=title_en,
                title_ja=title_ja,
                body_en=body_en,
                body_ja=body_ja,
                requesting_body=requesting_body,
                counterpart_body=counterpart_body,
                tier=tier,
                region=region,
                label=label,
                domains=domain or [],
                precedence=precedence,  # type: ignore[arg-type]
                propose=not draft,
            )
            made = coordination(node).open_item(_principal(node, as_user), data)
        except (StoreError, StructureError, ValidationError) as exc:
            failure = exc
    if failure is not None or made is None:
        raise _error(failure)  # type: ignore[arg-type]
    console.print(f"{made.id} {made.object['state']} (version {made.version})")


@app.command("respond")
def respond(
    stix_id: str,
    as_user: AsUser,
    kind: Annotated[ResponseKind, typer.Option(help="The answer")],
    comment: Annotated[str, typer.Option(help="Required for non_concur")] = "",
    db: DbOption = None,
) -> None:
    """Answer an item for the user's nation."""
    failure = None
    made = None
    with _opened(db) as node:
        try:
            c = coordination(node)
            who = _principal(node, as_user)
            made = c.respond(who, stix_id, ResponseCreate(kind=kind, comment=comment))
            state = node.store.get(who, stix_id).object["state"]
        except (StoreError, StructureError, ValidationError) as exc:
            failure = exc
    if failure is not None or made is None:
        raise _error(failure)  # type: ignore[arg-type]
    console.print(f"{made.id} recorded; the item is {state}")


@app.command("transition")
def transition(
    stix_id: str,
    event: Annotated[str, typer.Argument(help="propose, decide, close or withdraw")],
    as_user: AsUser,
    db: DbOption = None,
) -> None:
    """Move an item: propose, decide, close, withdraw."""
    failure = None
    with _opened(db) as node:
        try:
            made = coordination(node).transition(_principal(node, as_user), stix_id, event)
        except (StoreError, StructureError) as exc:
            failure = exc
    if failure is not None:
        raise _error(failure)
    console.print(f"{stix_id} is {made.object['state']} (version {made.version})")


@app.command("scan")
def scan(db: DbOption = None) -> None:
    """Act on every escalation step that is due (the serving node does this itself)."""
    failure = None
    fired = []
    with _opened(db) as node:
        try:
            fired = coordination(node).scan()
        except StructureError as exc:
            failure = exc
    if failure is not None:
        raise _error(failure)
    for f in fired:
        console.print(f"{f.item_id} step {f.number} -> {f.to_body or 'top of the ladder'}")
    console.print(f"{len(fired)} escalation steps fired")
