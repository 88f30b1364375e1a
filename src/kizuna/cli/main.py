"""`kizuna`: initialize a node, serve it, manage users, verify the audit log."""

from __future__ import annotations

import socket
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kizuna import domains
from kizuna.bootstrap import DEMO_USERS, initialize, seed_demo
from kizuna.cli import audit as audit_cli
from kizuna.cli import peers as peer_cli
from kizuna.cli import users as users_cli
from kizuna.cli.common import (
    DbOption,
    console,
    err,
    fail,
    opened,
    operator,
    print_table,
    settings_for,
)
from kizuna.identity import service as identity
from kizuna.store import StoreError

app = typer.Typer(help="Kizuna: the alliance's coordination mechanisms, one node per nation.")
import_app = typer.Typer(help="Bring objects in: STIX 2.1 bundles.")
export_app = typer.Typer(help="Take objects out: STIX 2.1 bundles.")
app.add_typer(users_cli.app, name="user")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(peer_cli.app, name="peer")


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
    settings = settings_for(db)
    # A key file holds one node's identity: say so when init takes one already there.
    existing = Path(settings.key_file).exists()
    try:
        created = initialize(settings, nation=nation.upper(), name=name)
    except (ValueError, StoreError) as exc:
        raise fail(str(exc)) from exc
    if not created:
        console.print(f"node already initialized ({settings.database_url})")
        return
    console.print(f"initialized node {nation.upper()} at {settings.database_url}")
    if existing:
        console.print(
            f"node key: {settings.key_file} (a key file that was already there: this node "
            "signs with it; a node of another nation needs a KIZUNA_KEY_FILE of its own)"
        )
    else:
        console.print(f"node key: {settings.key_file} (created)")
    if demo:
        with opened(settings) as node:
            made = seed_demo(node)
        table = Table(title="Demo users (passwords shown once)")
        for column in ("user", "password", "nation", "clearance", "roles"):
            table.add_column(column)
        specs = {spec[0]: spec for spec in DEMO_USERS}
        for username, password in made:
            spec = specs[username]
            table.add_row(username, password, spec[1], spec[2], ", ".join(spec[4]))
        print_table(table)


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the pages, the REST API, TAXII 2.1 and, with peers, federation."""
    import uvicorn

    from kizuna.web.app import create_app

    settings = settings_for(db, host=host, port=port)
    # The address is taken before the node opens: starting writes `node.serve.start` to
    # the audit log, which a node that cannot listen (another serves there) must not.
    sock = _listening_socket(settings.host, settings.port)
    with sock, opened(settings) as node:
        console.print(f"Kizuna node {node.nation} on http://{settings.host}:{settings.port}/")
        app_ = create_app(node, checkpoints=True, federate=True)
        config = uvicorn.Config(app_, log_level="warning", **settings.proxy_options())
        uvicorn.Server(config).run(sockets=[sock])


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}; nothing was started") from exc
    return sock


@app.command()
def demo(
    partners: Annotated[
        list[str] | None, typer.Option("--partners", help="More nodes, e.g. AUS")
    ] = None,
    data: Annotated[Path, typer.Option(help="Directory of the demo nodes")] = Path("var/demo"),
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="JPN's port; USA serves on the next, AUS on the one after")
    ] = 8000,
) -> None:
    """Two peered nodes, JPN on :8000 and USA on :8001 (and partners), seeded, served."""
    import asyncio

    from kizuna import demo as demo_nodes

    nations = ["JPN", "USA", *[p.upper() for p in partners or []]]
    unknown = [n for n in nations if n not in demo_nodes.PORTS]
    if unknown:
        raise fail(f"no demo node for {', '.join(unknown)}; known: AUS")
    nodes = demo_nodes.build(data, list(dict.fromkeys(nations)), host=host, port=port)
    try:
        for d in nodes:
            console.print(
                f"Kizuna node {d.node.nation} on {d.url}/  ({d.node.settings.database_url})"
            )
        rows = demo_nodes.user_table(nodes)
        if rows:
            table = Table(title="Demo users (passwords shown once; delete the demo directory "
                          "to start over)")  # fmt: skip
            for column in ("node", "user", "password", "nation", "clearance", "roles"):
                # A truncated password is no password: these columns never shrink.
                keep = column in ("node", "user", "password")
                table.add_column(
                    column, no_wrap=keep, min_width=22 if column == "password" else None
                )
            for row in rows:
                table.add_row(row[0].removeprefix("http://"), *row[1:])
            print_table(table)
        else:
            console.print(f"demo users were shown when {data} was made; delete it to start over")
        asyncio.run(demo_nodes.serve(nodes))
    except KeyboardInterrupt:
        pass
    finally:
        for d in nodes:
            d.node.db.dispose()


@import_app.command("stix")
def import_stix(
    file: Annotated[Path, typer.Argument(help="A STIX 2.1 bundle (JSON)")],
    user: Annotated[str, typer.Option("--user", help="The Kizuna user who imports")],
    db: DbOption = None,
) -> None:
    """Import a bundle object by object, as USER; exit 1 when any object is refused."""
    from kizuna.interchange.imports import import_objects, read_bundle

    try:
        objects = read_bundle(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: {exc}") from exc
    except StoreError as exc:
        raise fail(f"{file}: {exc}") from exc
    with opened(settings_for(db)) as node:
        with node.db.read() as conn:
            found = identity.find_user(conn, user)
        if found is None:
            raise fail(f"no user {user}")
        outcomes = import_objects(node.store, found.principal, objects, source=f"file {file.name}")
    bad = [o for o in outcomes if not o.ok]
    if bad:
        table = Table("object", "error", title=f"{len(bad)} of {len(outcomes)} refused")
        for outcome in bad:
            table.add_row(outcome.id or "(no id)", outcome.message)
        err.print(table)
    # What the import did, not only that nothing failed: a bundle already held (an
    # export imported back, a partner's replicas) writes nothing and says so.
    said = Counter(
        "created" if o.message == "created"
        else "new versions" if o.message.startswith("version ")
        else "markings known" if o.message.endswith("marking: known")
        else "already held" if o.message == "already stored"
        else "refused"
        for o in outcomes
    )  # fmt: skip
    parts = ("created", "new versions", "already held", "markings known", "refused")
    console.print(
        f"{len(outcomes)} objects: " + ", ".join(f"{said[p]} {p}" for p in parts if said[p])
    )
    if bad:
        raise typer.Exit(1)


@export_app.command("stix")
def export_stix(
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout)")
    ] = None,
    type: Annotated[list[str] | None, typer.Option("--type", help="STIX type; repeat")] = None,
    label_max: Annotated[
        str | None,
        typer.Option(
            "--label-max",
            help="Only what a reader of this label may read, e.g. 'SECRET//REL TO USA' "
            "(one nation). Default: everything on this node.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export current versions as a STIX 2.1 bundle (audited)."""
    from kizuna.identity.principal import Principal
    from kizuna.interchange.exports import bundle_chunks
    from kizuna.labels import Clearance, LabelError, parse

    with opened(settings_for(db)) as node:
        principal = node.system
        if label_max is not None:
            try:
                ceiling = parse(node.policy, label_max)
            except LabelError as exc:
                raise fail(f"--label-max: {exc}") from exc
            if len(ceiling.rel_to) != 1:
                raise fail("--label-max names the one nation whose readers the export is for")
            [nation] = ceiling.rel_to
            principal = Principal(
                name=f"export:{operator()}",
                clearance=Clearance(nation, ceiling.rank, ceiling.compartments),
                kind="system",
            )
        chunks = bundle_chunks(
            node.store, principal, types=tuple(type or ()), reason=label_max or "all"
        )
        if out is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.write("\n")
        else:
            with out.open("w", encoding="utf-8") as handle:
                handle.writelines(chunks)
            err.print(f"wrote {out}")


# Each installed domain adds its command groups.
for _domain in domains.installed():
    for _name, _group in _domain.commands():
        app.add_typer(_group, name=_name)

if __name__ == "__main__":
    app()
