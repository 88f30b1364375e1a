"""`kizuna demo` on ports of the user's choosing: the README's walk-through on a machine
where 8000 and 8001 are taken."""

from __future__ import annotations

from pathlib import Path

from kizuna import demo
from kizuna.federation.peers import find_peer


def _urls(nodes: list[demo.DemoNode]) -> dict[str, tuple[int, str, str]]:
    """Each nation's port, its own URL, and where its partner thinks it serves."""
    seen = {}
    for d in nodes:
        partner = next(o for o in nodes if o is not d)
        with partner.node.db.read() as conn:
            peer = find_peer(conn, d.node.nation)
        assert peer is not None
        seen[d.node.nation] = (d.node.settings.port, d.url, peer.url)
    return seen


def test_the_demo_serves_from_the_port_given_and_its_nodes_follow_a_move(tmp_path: Path) -> None:
    nodes = demo.build(tmp_path / "demo", ["JPN", "USA"], port=18020)
    try:
        assert _urls(nodes) == {
            "JPN": (18020, "http://127.0.0.1:18020", "http://127.0.0.1:18020"),
            "USA": (18021, "http://127.0.0.1:18021", "http://127.0.0.1:18021"),
        }
    finally:
        for d in nodes:
            d.node.db.dispose()
    # Started again on other ports: each node is told where its partner serves now.
    nodes = demo.build(tmp_path / "demo", ["JPN", "USA"], port=18120)
    try:
        assert _urls(nodes) == {
            "JPN": (18120, "http://127.0.0.1:18120", "http://127.0.0.1:18120"),
            "USA": (18121, "http://127.0.0.1:18121", "http://127.0.0.1:18121"),
        }
        assert nodes[0].users == []  # made once: the first run printed the passwords
    finally:
        for d in nodes:
            d.node.db.dispose()
