"""`kizuna ingest summary` and `kizuna meetings …`: import official summaries, list
meetings and the commitments register from the command line."""

from __future__ import annotations

import json
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kizuna.cli.common import fail, opened, policy_of, print_table, reader, settings_for
from kizuna.domains.meetings import service
from kizuna.domains.meetings.ingest import read_summary
from kizuna.errors import StoreError
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.labels import Label, LabelError, Policy, render
from kizuna.labels import parse as parse_label
from kizuna.runtime import Node

__all__ = ["ingest_app", "meetings_app"]

ingest_app = typer.Typer(help="Import official documents.")
meetings_app = typer.Typer(help="The 2+2 record: meetings and the commitments register.")
console = Console()
err = Console(stderr=True)

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL")]


@ingest_app.command("summary")
def ingest_summary(
    files: Annotated[
        list[Path],
        typer.Argument(help="The summaries as text files (each stored whole or not at all)"),
    ],
    lang: Annotated[str | None, typer.Option(help="ja or en (default: detected)")] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="The meeting's date (YYYY-MM-DD) when the text gives none"),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Parse and report; write nothing")] = False,
    format: Annotated[str, typer.Option(help="text or json")] = "text",
    label: Annotated[
        str | None, typer.Option(help="Label (default: lowest level, this nation only)")
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Import as this user (a releasing officer for REL TO others)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import the official summary of a meeting: meeting, sections, items, decisions.

    Several files are imported one after the other in one process, each in its own
    transaction: a file that is refused stops only itself, and the command ends with
    exit code 2 after the others."""

    if format not in ("text", "json"):
        raise fail(f"--format must be text or json, not {format!r}")
    try:
        given = service.parse_given_date(date)
    except StoreError as exc:
        raise fail(f"--{exc}") from exc  # "--date must be …", "--date … is not a day …"
    if given is not None and len(files) > 1:
        # One date for several texts would date every undated one the same day.
        raise fail("--date is one meeting's date: give it with one file")
    outcomes: list[service.ImportResult | str] = []
    if dry_run and not as_user:
        # Parsing needs no node: a dry run works before `kizuna init`, and writes nothing;
        # its label is still read against the node's policy, as the import would.
        if label:
            _label(policy_of(settings_for(db)), label, None)
        for file in files:
            outcomes.append(_parsed(file, lang, given))
    else:
        # A dry run as a user checks what the import would, through the node: the user,
        # their role and clearance, the label, and whether the record is held already.
        failure: StoreError | None = None
        with opened(settings_for(db)) as node:
            try:
                principal = node.system
                if as_user:
                    with node.db.read() as conn:
                        user = identity.find_user(conn, as_user)
                    if user is None:
                        raise StoreError(f"no user {as_user}", field="as")
                    principal = user.principal
                parsed_label = _label(node.policy, label, node.nation) if label else None
                # Refused for every file alike (a role, a label): said once, nothing read.
                service.admit(node, principal, parsed_label)
            except StoreError as exc:
                failure = exc
            else:
                for file in files:
                    outcomes.append(
                        _imported(node, principal, file, lang, parsed_label, given, dry_run)
                    )
        if failure is not None:
            raise fail(f"{_said(failure)}; nothing was imported")
    if len(files) == 1:
        if isinstance(outcomes[0], str):
            raise fail(outcomes[0])
        _report(outcomes[0], format)
        return
    _report_many(files, outcomes, format)


def _label(policy: Policy, text: str, nation: str | None) -> Label:
    try:
        return parse_label(policy, text, originator=nation)
    except LabelError as exc:
        raise fail(f"--label {text!r}: {exc}; nothing was imported") from exc


def _said(exc: StoreError) -> str:
    # The service speaks of fields; here each field is an option.
    flag = {"date": "--date", "lang": "--lang", "label": "--label", "as": "--as"}.get(
        exc.field or ""
    )
    return f"{exc} ({flag})" if flag else str(exc)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {file}: {exc.strerror}") from exc


def _parsed(file: Path, lang: str | None, given: Date | None) -> service.ImportResult | str:
    try:
        record = read_summary(_read(file), lang, given)
    except StoreError as exc:
        return _said(exc)
    return service.ImportResult(record, "", 0, False, True)


def _imported(
    node: Node,
    principal: Principal,
    file: Path,
    lang: str | None,
    label: Label | None,
    given: Date | None,
    dry_run: bool,
) -> service.ImportResult | str:
    try:
        return service.import_summary(
            node, principal, _read(file), lang=lang, label=label, date=given, dry_run=dry_run
        )
    except StoreError as exc:
        return _said(exc)


def _report_many(
    files: list[Path], outcomes: list[service.ImportResult | str], format: str
) -> None:
    done = [o for o in outcomes if not isinstance(o, str)]
    if format == "json":
        # Every file, in the order given, so that a script sees which were refused: a
        # record as for one file with its `file`, or the `file` and why it was `refused`.
        named = [
            {"file": str(file), "outcome": "refused", "refused": o}
            if isinstance(o, str)
            else {"file": str(file), **_entry(o)}
            for file, o in zip(files, outcomes, strict=True)
        ]
        print(json.dumps(named, ensure_ascii=False, indent=2))
    for file, outcome in zip(files, outcomes, strict=True):
        if isinstance(outcome, str):
            err.print(f"{file}: refused: {outcome}", markup=False, highlight=False, soft_wrap=True)
        elif format == "text":
            console.print(f"{file}:", markup=False, highlight=False, soft_wrap=True)
            _report(outcome, format)
    refused = len(outcomes) - len(done)
    new = [o for o in done if not o.already and not o.dry_run]
    summary = (
        f"{len(files)} files: {len(new)} imported ({sum(o.created for o in new)} objects), "
        f"{sum(o.already for o in done)} already imported, "
        f"{sum(o.dry_run for o in done)} parsed only, {refused} refused"
    )
    (err if format == "json" else console).print(
        summary, markup=False, highlight=False, soft_wrap=True
    )
    if refused:
        raise typer.Exit(2)  # as for one file refused: bad input


def _entry(result: service.ImportResult) -> dict[str, object]:
    """A file's JSON: what became of it, then its record. `outcome` is `imported`,
    `already-imported` (the record was held: nothing written) or `dry-run`; `already`
    is null where the dry run read the text alone (no `--as`: no node asked).
    `meeting_id` names the record held, which its importer may read; a dry run of a
    text not held names none."""
    checked = bool(result.meeting_id)  # a result of the node always names its record
    if result.dry_run:
        outcome = "dry-run"
    elif result.already:
        outcome = "already-imported"
    else:
        outcome = "imported"
    held = checked and (result.already or not result.dry_run)
    return {
        "outcome": outcome,
        "meeting_id": result.meeting_id if held else None,
        "already": result.already if checked else None,
        # Held, but narrowed since it was imported at the label asked for.
        "held_at": result.held_at,
        "created": result.created,
        **result.record.as_json(),
    }


def _report(result: service.ImportResult, format: str) -> None:
    if format == "json":
        print(json.dumps(_entry(result), ensure_ascii=False, indent=2))
        return
    m = result.record.meeting
    # "12:30 (None)" said a zone the text does not give: only what the record has.
    said = " ".join(z for z in (m.start_zone, m.start_utc_offset) if z)
    zone = f" ({said})" if said else ""
    console.print(
        f"{m.kind}: {m.body} {m.date.isoformat()} "
        f"{m.start + zone if m.start else 'time not given'}, "
        f"{f'{m.duration_minutes} min' if m.duration_minutes else 'duration not given'}, "
        f"{m.place or 'place not given'}, encoding {result.record.encoding}"
    )
    for a in m.attendees:
        console.print(f"  {a.nation} {a.name} {a.title}")
    for s in m.sections:
        made = [d for i in s.items for d in i.decisions] + s.decisions
        held = sum(d.commitment for d in made)
        console.print(
            f"  {s.number} {s.title}: {len(s.items)} items, {len(made)} decisions "
            f"({held} commitments)"
        )
    for f in result.record.quality:
        console.print(
            f"  quality {f.kind} line {f.position['line']} col {f.position['column']}: "
            f"{f.found} -> {f.suggestion}"
        )
    narrowed = f" (held now at {result.held_at})" if result.held_at else ""
    if result.dry_run and result.already:
        console.print(
            f"dry run: nothing written; already imported as {result.meeting_id}{narrowed}"
        )
    elif result.dry_run and not result.meeting_id:
        # Without --as no node was asked: the label and the record held are unchecked.
        console.print(
            "dry run: nothing written; the text alone was read (with --as USER the node "
            "checks the label and whether it holds this text already)",
            soft_wrap=True,
        )
    elif result.dry_run:
        console.print("dry run: nothing written; not held at this label")
    elif result.already:
        console.print(f"already imported as {result.meeting_id}{narrowed}: nothing new")
    else:
        console.print(f"imported {result.meeting_id}: {result.created} objects")


# As `kizuna intel list --user`: what this user may read, through the store's
# visibility condition; without it, everything on the node.
UserOption = Annotated[str | None, typer.Option("--user", help="List what this user may read")]


@meetings_app.command("list")
def meetings_list(user: UserOption = None, db: DbOption = None) -> None:
    """Meetings on this node, each with its label (as USER, or everything on the node)."""

    table = Table("label", "date", "meeting", "id")
    with opened(settings_for(db)) as node:
        for m in service.list_meetings(node, reader(node, user)):
            table.add_row(m.label_text, m.object["date"], m.object["body"], m.id)
    print_table(table)


@meetings_app.command("register")
def meetings_register(
    topic: Annotated[str | None, typer.Option()] = None,
    actor: Annotated[str | None, typer.Option()] = None,
    stance: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[
        str, typer.Option(help="commitment (default), position, or all")
    ] = "commitment",
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """The commitments register, filtered: commitments by default (as USER, or
    everything on the node). A row's label covers its decision and the links and
    reviews its status comes from."""

    table = Table("label", "date", "item", "actor", "stance", "owner", "due", "status", "sentence")
    failure: StoreError | None = None
    with opened(settings_for(db)) as node:
        try:
            rows = service.register(
                node,
                reader(node, user),
                topic=topic,
                actor=actor,
                stance=stance,
                status=status,
                kind=None if kind == "all" else kind,
            )
        except StoreError as exc:
            failure = exc
            rows = []
        for row in rows:
            b = row.decision.object
            table.add_row(
                render(node.policy, row.label),
                b["meeting_date"],
                f"{b['section_number']}({b.get('item_number', '-')})",
                b["actor"],
                b["stance"],
                b.get("owner", ""),
                b.get("due", ""),
                row.status,
                b["sentence"][:60],
            )
    if failure is not None:
        raise fail(str(failure))
    print_table(table)
