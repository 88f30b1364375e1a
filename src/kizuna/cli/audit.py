"""`kizuna audit`: verify the log (against this node's checkpoints, its peers' witnessed
copies, an exported file), sign a checkpoint now, export the checkpoints.

Exit codes: 0 the log is intact; 1 a finding (each names the first bad entry), or a
witness that could not be consulted; 2 bad input (an unreadable checkpoint file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kizuna import audit
from kizuna.audit.checkpoints import export_text, read_export, stored
from kizuna.cli.common import DbOption, console, err, fail, opened, settings_for

__all__ = ["app"]

app = typer.Typer(help="The tamper-evident audit log.")


@app.command("verify")
def audit_verify(
    db: DbOption = None,
    key_file: Annotated[Path | None, typer.Option()] = None,
    peers: Annotated[
        bool, typer.Option("--peers", help="Also ask each peer for the checkpoints it witnessed")
    ] = False,
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option("--checkpoints", help="Also check against an exported file; repeat"),
    ] = None,
) -> None:
    """Check the chain, the head, every signed checkpoint (here, at the peers, in
    files) and that checkpoints were signed when due; exit 1 naming the first bad entry."""
    witnesses: list[audit.Witness] = []
    for path in checkpoints or []:
        try:
            witnesses.append(audit.Witness(f"file {path.name}", read_export(path.read_text())))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise fail(f"{path}: {exc}") from exc
    unreachable: list[str] = []
    with opened(settings_for(db, key_file=key_file)) as node:
        if peers:
            from kizuna.federation import witness
            from kizuna.federation.peers import list_peers

            with node.db.read() as conn:
                known = list_peers(conn)
            if not known:
                unreachable.append("--peers: this node has no peers")
            for peer in known:
                try:
                    witnesses.append(witness.fetch(node, peer))
                except witness.WitnessError as exc:
                    unreachable.append(str(exc))
        with node.db.read() as conn:
            report = audit.verify(
                conn,
                node.key.public_key(),
                interval=node.settings.checkpoint_seconds,
                witnesses=witnesses,
            )
    for finding in report.findings:
        err.print(f"[red]FAILED[/red] {finding}", soft_wrap=True)
    for problem in unreachable:
        err.print(f"[red]UNVERIFIED[/red] {problem}", soft_wrap=True)
    sources = ", ".join(w.source for w in witnesses)
    summary = f"{report.entries} entries, {report.checkpoints} signed checkpoints" + (
        f", {report.witnessed} witnessed ({sources})" if witnesses else ""
    )
    if report.findings or unreachable:
        err.print(summary, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"audit log intact: {summary}", soft_wrap=True)


@app.command("checkpoint")
def audit_checkpoint(
    db: DbOption = None, key_file: Annotated[Path | None, typer.Option()] = None
) -> None:
    """Sign the current head of the log with the node key."""
    with opened(settings_for(db, key_file=key_file)) as node, node.db.write() as conn:
        made = audit.checkpoint(conn, node.key)
    console.print(
        f"checkpoint at entry {made.seq}" if made else "nothing new since the last checkpoint"
    )


@app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="A new file (never overwritten)")],
    db: DbOption = None,
    key_file: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """Write every signed checkpoint to a new, read-only file for write-once storage."""
    with opened(settings_for(db, key_file=key_file)) as node, node.db.read() as conn:
        text = export_text(stored(conn), nation=node.nation, key=node.key.public_key())
        count = len(stored(conn))
    try:
        with out.open("x", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(out, 0o444)
    except FileExistsError as exc:
        raise fail(f"{out} exists: an export is never overwritten") from exc
    except OSError as exc:
        raise fail(f"{out}: {exc}") from exc
    console.print(f"wrote {count} signed checkpoints to {out}")
