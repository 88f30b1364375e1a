"""A failed pull in an operator's words (walk 47): the federation page showed the
peer's last error as Python raised it ("ConnectionError: HTTPConnectionPool(host=
'127.0.0.1', port=8691): Max retries exceeded…"), in both languages. The loop records
what failed as a code and keeps the exception as its technical detail (and in the log,
with its traceback); the page says what failed and what to look at in the reader's
language, the detail folded beneath. Every peer here listens on loopback."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import update

from kizuna.federation import peers
from kizuna.federation.loop import Federator
from kizuna.federation.schema import peers as peer_rows
from kizuna.node import public_key_pem
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, sign_in

_CELL = re.compile(r'<td class="last-error">(.*?)</td>', re.S)


class _Answer(BaseHTTPRequestHandler):
    """A peer that answers every request with the server's `status` (and HTML)."""

    def do_GET(self) -> None:
        status = self.server.status  # type: ignore[attr-defined]
        body = b"<html>not TAXII</html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def peer_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.status = 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peer_at(node: Node, url: str) -> None:
    with node.db.write() as conn:
        if peers.find_peer(conn, "USA") is None:
            peers.add_peer(
                conn, policy=node.policy, own_nation="JPN", actor="test", nation="USA", url=url,
                public_key_pem=public_key_pem(Ed25519PrivateKey.generate()),
                max_level="SECRET", compartments=[], pull_token="t" * 32,
            )  # fmt: skip
        else:
            conn.execute(update(peer_rows).where(peer_rows.c.nation == "USA").values(url=url))


def _pull(node: Node) -> None:
    federator = Federator(node)
    (peer,) = federator._peers()
    asyncio.run(federator._pull(peer))


def _cells(node: Node) -> dict[str, str]:
    """The last error's cell of the peers' table, as each language reads it."""
    cells = {}
    with TestClient(create_app(node)) as client:
        for lang in ("ja", "en"):
            sign_in(client, "suzuki", lang=lang)
            found = _CELL.findall(client.get("/federation").text)
            assert len(found) == 1
            cells[lang] = found[0]
            client.cookies.clear()
    return cells


def _said(cell: str) -> str:
    return html.unescape(re.sub(r"<details>.*</details>", "", cell, flags=re.S)).strip()


def test_a_peer_that_is_down_is_said_so_with_the_detail_folded_and_logged(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    url = f"http://127.0.0.1:{_free_port()}"
    _peer_at(node, url)
    with caplog.at_level(logging.WARNING, logger="kizuna.federation"):
        _pull(node)
    cells = _cells(node)
    assert _said(cells["en"]) == (
        f"Could not connect to the partner node at {url} (connection refused): is it "
        "running, at this address and port?"
    )
    assert _said(cells["ja"]) == (
        f"相手国のノード（{url}）に接続できませんでした（接続拒否）。"
        "そのアドレスとポートで稼働しているか確認してください。"
    )
    for lang, summary in (("en", "Technical detail"), ("ja", "技術的な詳細")):
        # The exception itself only in the folded detail, for the administrator.
        assert "ConnectionError" not in _said(cells[lang])
        folded = re.search(r"<details><summary>([^<]*)</summary><code>([^<]*)</code>", cells[lang])
        assert folded is not None
        assert folded.group(1) == summary
        assert html.unescape(folded.group(2)).startswith("ConnectionError: ")
    # The node's log has it whole, with its traceback.
    (logged,) = [r for r in caplog.records if r.name == "kizuna.federation"]
    assert "USA" in logged.getMessage()
    assert "refused" in logged.getMessage()
    assert logged.exc_info is not None


@pytest.mark.parametrize(
    ("status", "en", "ja"),
    [
        (401, "did not accept this node's token (HTTP 401)",
         "トークンを受け付けませんでした（HTTP 401）"),
        (404, "has no collection for this nation (HTTP 404)",
         "この国向けのコレクションがありません"),
        (503, "failed to answer (HTTP 503): see its log.", "応答に失敗しました（HTTP 503）"),
        (200, "answered, but not as a TAXII server does.",
         "TAXIIサーバーとしての応答ではありません"),
    ],
)  # fmt: skip
def test_what_the_peer_answered_is_said_with_its_meaning(
    node: Node, peer_server: ThreadingHTTPServer, status: int, en: str, ja: str
) -> None:
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    peer_server.status = status  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{peer_server.server_address[1]}"
    _peer_at(node, url)
    _pull(node)
    cells = _cells(node)
    assert en in _said(cells["en"])
    assert url in _said(cells["en"])
    assert ja in _said(cells["ja"])


def test_a_tls_failure_and_a_timeout_are_said_as_such(
    node: Node, peer_server: ThreadingHTTPServer
) -> None:
    """https:// to a peer that speaks plain HTTP fails its handshake; a peer that takes
    the connection and never answers times out."""
    from kizuna.federation.failures import classify
    from kizuna.federation.pull import pull_once

    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    _peer_at(node, f"https://127.0.0.1:{peer_server.server_address[1]}")
    _pull(node)
    assert "The secure connection to the partner node at https://127.0.0.1:" in _said(
        _cells(node)["en"]
    )
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        _peer_at(node, f"http://127.0.0.1:{silent.getsockname()[1]}")
        with node.db.read() as conn:
            peer = peers.find_peer(conn, "USA")
        assert peer is not None
        with pytest.raises(requests.Timeout) as caught:
            pull_once(node, peer, timeout=0.3)
    assert classify(caught.value) == "timeout"


def test_a_failure_recorded_before_the_codes_is_said_to_be_one(node: Node) -> None:
    add_user(node, "suzuki", roles=["admin"], password=PASSWORD)
    _peer_at(node, f"http://127.0.0.1:{_free_port()}")
    _pull(node)
    with node.db.write() as conn:
        conn.execute(
            update(peer_rows).values(
                last_error="OSError: from an older version", last_error_kind=None
            )
        )
    # A failure recorded before the codes: said to be one, its detail beside it.
    cell = _cells(node)["en"]
    assert _said(cell).startswith("The last pull from http://127.0.0.1:")
    assert "OSError: from an older version" in cell


def test_peer_list_says_the_failure_as_the_page_does_and_keeps_its_detail(node: Node) -> None:
    """Walk 49: `kizuna peer list` printed the exception as Python raised it, where the
    page says what failed and what to do; the detail follows the table, by nation."""
    from typer.testing import CliRunner

    from kizuna.cli.main import app

    _peer_at(node, f"http://127.0.0.1:{_free_port()}")
    _pull(node)
    result = CliRunner().invoke(
        app,
        ["peer", "list", "--db", node.settings.database_url],
        env={"KIZUNA_KEY_FILE": str(node.settings.key_file), "COLUMNS": "400"},
    )
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.output.splitlines() if "│ USA" in line]
    said = row.split("│")[-2].strip()
    assert said.startswith("Could not connect to the partner node at http://127.0.0.1:")
    assert "Error" not in said
    [detail] = [line for line in result.output.splitlines() if line.startswith("USA detail: ")]
    assert "Error" in detail


def test_a_new_pull_token_ends_the_backoff(node: Node, peer_server: ThreadingHTTPServer) -> None:
    # Walk 50: after `kizuna peer token USA T` the pull stayed in its backoff for
    # about a minute, as if the new token did not work either.
    peer_server.status = 401  # type: ignore[attr-defined]
    _peer_at(node, f"http://127.0.0.1:{peer_server.server_address[1]}")
    federator = Federator(node)
    (peer,) = federator._peers()
    asyncio.run(federator._pull(peer))
    (peer,) = federator._peers()
    assert not federator.is_due(peer)  # the same token: the backoff holds
    with node.db.write() as conn:
        peers.set_pull_token(conn, actor="test", nation="USA", token="n" * 32)
    (peer,) = federator._peers()
    assert federator.is_due(peer)
    assert federator._failures["USA"] == 0
