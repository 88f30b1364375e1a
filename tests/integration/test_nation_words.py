"""The pages that showed codes, in the reader's words, on both databases: the header
names the node and the user's nation (日本のノード, sato (日本)); meetings, the
commitments register and a commitment's reviews, a glossary term, an attachment and
the accounts pages name nations and the node's own work; the audit page says each
action in words (its code on hover, an unknown code as it is), names its actor, and
lists its details as key: value with the stored JSON beside them."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, sign_in

BOTH = "UNCLASSIFIED//REL TO JPN, USA"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _text(page: str) -> str:
    """What a reader reads: the page without its tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _header(page: str) -> str:
    found = re.search(r'<header class="top">.*?</header>', page, re.S)
    assert found
    return found.group(0)


def test_the_header_names_the_node_and_the_users_nation(node: Node, client: TestClient) -> None:
    add_user(node, "sato", roles=["author"], password=PASSWORD)
    add_user(node, "davis", nation="USA", password=PASSWORD)
    sign_in(client, "sato", lang="ja")
    header = _header(client.get("/").text)
    assert '<span class="node" title="JPN">日本のノード</span>' in header
    assert 'sato（<span class="nation" title="JPN">日本</span>）' in header
    assert "JPN" not in _text(header)

    client.cookies.clear()
    sign_in(client, "davis", lang="en")
    header = _header(client.get("/objects").text)
    assert '<span class="node" title="JPN">Japan node</span>' in header
    assert 'davis (<span class="nation" title="USA">United States</span>)' in header
    assert "(USA)" not in _text(header)
    assert "JPN" not in _text(header)
