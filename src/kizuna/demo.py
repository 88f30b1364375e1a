"""`kizuna demo`: the alliance on one machine. A node per nation (JPN on :8000, USA on
:8001, AUS on :8002 with `--partners AUS`), each with its own SQLite file under one
directory, every pair peered, each seeded with its own users and reports (JPN also
with the 2+2 record), all served from one process until interrupted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from kizuna.bootstrap import DEMO_USERS, initialize, open_node, seed_demo
from kizuna.config import Settings
from kizuna.federation import peers as peer_service
from kizuna.node import public_key_pem
from kizuna.runtime import Node

__all__ = ["PORTS", "DemoNode", "build", "serve"]

# Each nation's port is the first port (`kizuna demo --port`, 8000) plus its offset.
PORTS = {"JPN": 0, "USA": 1, "AUS": 2}
FIRST_PORT = 8000
# What each pair of nations agreed: the highest level and the compartments.
AGREEMENTS = {
    frozenset({"JPN", "USA"}): ("SECRET", ["BIAC", "CYBER"]),
    frozenset({"JPN", "AUS"}): ("CONFIDENTIAL", ["CYBER"]),
    frozenset({"USA", "AUS"}): ("SECRET", ["CYBER"]),
}


@dataclass
class DemoNode:
    node: Node
    url: str
    users: list[tuple[str, str]]  # (name, password) when made by this run


def _settings(base: Path, nation: str, host: str, port: int) -> Settings:
    return Settings(
        database_url=f"sqlite:///{base / (nation.lower() + '.db')}",
        key_file=base / f"{nation.lower()}_ed25519.pem",
        host=host,
        port=port + PORTS[nation],
        pull_seconds=3,
    )


def build(
    base: Path, nations: list[str], *, host: str = "127.0.0.1", port: int = FIRST_PORT
) -> list[DemoNode]:
    """Create (on first run) and open the demo nodes; peer every pair once (and tell
    each where the others serve now, which a run on other ports changes)."""
    base.mkdir(parents=True, exist_ok=True)
    made: list[DemoNode] = []
    for nation in nations:
        settings = _settings(base, nation, host, port)
        fresh = initialize(settings, nation=nation)
        node = open_node(settings)
        users: list[tuple[str, str]] = []
        if fresh:
            users = seed_demo(node, own_users_only=True)
        made.append(DemoNode(node, f"http://{host}:{settings.port}", users))
    for a in made:
        for b in made:
            if a is b:
                continue
            _peer(a, b)
    return made


def _peer(a: DemoNode, b: DemoNode) -> None:
    """Make `a` know `b`, and give `b` the token to pull from `a`."""
    with a.node.db.write() as conn:
        peer = peer_service.find_peer(conn, b.node.nation)
        if peer is not None:
            if peer.url != b.url:
                peer_service.set_url(conn, actor="demo", nation=b.node.nation, url=b.url)
            return
    level, comps = AGREEMENTS[frozenset({a.node.nation, b.node.nation})]
    with a.node.db.write() as conn:
        token = peer_service.add_peer(
            conn,
            policy=a.node.policy,
            own_nation=a.node.nation,
            actor="demo",
            nation=b.node.nation,
            url=b.url,
            public_key_pem=public_key_pem(b.node.key),
            max_level=level,
            compartments=comps,
            own_key=a.node.key.public_key(),
        )
    with b.node.db.read() as conn:
        known = peer_service.find_peer(conn, a.node.nation) is not None
    if not known:
        _peer(b, a)
    with b.node.db.write() as conn:
        peer_service.set_pull_token(conn, actor="demo", nation=a.node.nation, token=token)


def user_table(nodes: list[DemoNode]) -> list[tuple[str, str, str, str, str, str]]:
    """(node URL, user, password, nation, clearance, roles) of users made by this run."""
    specs = {spec[0]: spec for spec in DEMO_USERS}
    return [
        (d.url, name, password, specs[name][1], specs[name][2], ", ".join(specs[name][4]))
        for d in nodes
        for name, password in d.users
    ]


async def serve(nodes: list[DemoNode]) -> None:
    import uvicorn

    from kizuna.web.app import create_app

    servers = [
        uvicorn.Server(
            uvicorn.Config(
                create_app(d.node, checkpoints=True, federate=True),
                host=d.node.settings.host,
                port=d.node.settings.port,
                log_level="warning",
                **d.node.settings.proxy_options(),
            )
        )
        for d in nodes
    ]
    await asyncio.gather(*(s.serve() for s in servers))
