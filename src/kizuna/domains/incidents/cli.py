"""`kizuna incidents`: record, update, cancel and acknowledge events, export them (CAP
XML, CSV, GeoJSON), and run the scan (reminders, escalations, pending mail). The
command line runs on the node itself; `--as` names the user whose principal acts (the
same rules apply as on the web). Bad input exits 2 naming the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from kizuna.cli.common import DbOption, console, err, fail, opened, settings_for
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.exports import csv_text, geojson
from kizuna.domains.incidents.model import AckCreate, CancelRequest, EventCreate, EventUpdate
from kizuna.domains.incidents.rules import Problems
from kizuna.domains.incidents.service import incidents
from kizuna.errors import StoreError, validator_said
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.runtime import Node

__all__ = ["app"]

app = typer.Typer(help="Incidents and accidents: early notification, both directions.")
M = TypeVar("M", bound=BaseModel)
AsUser = Annotated[str, typer.Option("--as", help="The user who acts")]


def _principal(node: Node, username: str) -> Principal:
    with node.db.read() as conn:
        user = identity.find_user(conn, username)
    if user is None:
        raise fail(f"no user {username}")
    return user.principal


def _read(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise fail(f"{path}: cannot be read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise fail(f"{path}: not JSON: {exc}") from exc
    except ValidationError as exc:
        # Every field at fault, not only the first.
        said = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {validator_said(e)}"
            for e in exc.errors()
        )
        raise fail(f"{path}: {said}") from exc


def _act(db: str | None, as_user: str, action: Any) -> Any:
    with opened(settings_for(db)) as node:
        c = incidents(node)
        try:
            made = action(c, _principal(node, as_user))
        except Problems as exc:
            raise fail(str(exc)) from exc  # each field at fault, named
        except StoreError as exc:
            raise fail(f"{exc.field}: {exc}" if exc.field else str(exc)) from exc
        delivered = c.deliver()
    console.print(f"{made.id} version {made.version} ({made.label_text}); sent {delivered.sent}")
    return made


@app.command("record")
def record(
    as_user: AsUser,
    file: Annotated[Path, typer.Argument(help="The event, as the JSON of POST /events")],
    db: DbOption = None,
) -> None:
    """Record an event and notify the addressees the rules name."""
    data = _read(EventCreate, file)
    _act(db, as_user, lambda c, p: c.record(p, data))


@app.command("update")
def update(
    as_user: AsUser,
    stix_id: str,
    file: Annotated[Path, typer.Argument(help="The changes, as the JSON of /updates")],
    db: DbOption = None,
) -> None:
    """A follow-up or the closing report (`"closing": true`)."""
    data = _read(EventUpdate, file)
    _act(db, as_user, lambda c, p: c.update(p, stix_id, data))


@app.command("cancel")
def cancel(
    as_user: AsUser,
    stix_id: str,
    reason: Annotated[str, typer.Option(help="Why (English)")],
    reason_ja: Annotated[str, typer.Option(help="Why (Japanese)")],
    public_reason: Annotated[
        str, typer.Option(help="Why, for the public version (English; with the Japanese)")
    ] = "",
    public_reason_ja: Annotated[
        str, typer.Option(help="Why, for the public version (Japanese)")
    ] = "",
    db: DbOption = None,
) -> None:
    """Cancel an event recorded in error (its public version, if released, is marked
    cancelled, with the public reason if given)."""
    data = CancelRequest(
        reason_en=reason,
        reason_ja=reason_ja,
        public_reason_en=public_reason,
        public_reason_ja=public_reason_ja,
    )
    _act(db, as_user, lambda c, p: c.cancel(p, stix_id, data))


@app.command("ack")
def acknowledge(
    as_user: AsUser,
    stix_id: str,
    addressee: Annotated[str, typer.Option(help="The body one acknowledges for")],
    comment: str = "",
    db: DbOption = None,
) -> None:
    """Acknowledge the notice of an event to one's body."""
    try:
        data = AckCreate(addressee=addressee, comment=comment)
    except ValidationError as exc:
        raise fail(validator_said(exc.errors()[0])) from exc
    _act(db, as_user, lambda c, p: c.acknowledge(p, stix_id, data))


@app.command("export")
def export(
    as_user: AsUser,
    fmt: Annotated[str, typer.Option("--format", help="cap, csv or geojson")],
    stix_id: Annotated[str | None, typer.Argument(help="The event (for cap)")] = None,
    db: DbOption = None,
) -> None:
    """Export what the user may see: one event's CAP documents, or every event as CSV
    or GeoJSON."""
    if fmt not in ("cap", "csv", "geojson"):
        raise fail(f"unknown format '{fmt}'; use cap, csv or geojson")
    if fmt == "cap" and stix_id is None:
        raise fail("the cap format exports one event: give its id")
    with opened(settings_for(db)) as node:
        c = incidents(node)
        principal = _principal(node, as_user)
        try:
            if fmt == "cap":
                assert stix_id is not None
                out = "\n".join(queries.cap_documents(c, principal, stix_id))
            else:
                events = [r.event for r in queries.board(c, principal, limit=queries.BOARD_LIMIT)]
                out = (
                    csv_text(events)
                    if fmt == "csv"
                    else json.dumps(geojson(events), ensure_ascii=False)
                )
        except StoreError as exc:
            raise fail(str(exc)) from exc
    typer.echo(out)


@app.command("scan")
def scan(db: DbOption = None) -> None:
    """Fire the reminders and escalations that fell due, and send pending mail."""
    with opened(settings_for(db)) as node:
        fired = incidents(node).scan()
        stuck, last_error = incidents(node).failing()
    for f in fired:
        console.print(f"{f.kind}: {f.event_id} {f.addressee} r{f.revision} {f.to or ''}")
    console.print(f"{len(fired)} step(s) fired")
    if stuck:
        err.print(f"{stuck} message(s) not sent after failed attempts; last error: {last_error}")
