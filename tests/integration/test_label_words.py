"""What the label policy knows, in the reader's words on the object page (walk 47): a
joint product's approving nations by name, its target label as the reader writes a
label (as the chips do), its context in words, and a label marking's fields in words.
The raw body stays as written, in the STIX object below."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from kizuna.identity import service as identity
from kizuna.runtime import Node
from tests.factories import add_user, cookies

pytestmark = pytest.mark.sqlite_only

SHARED = "CONFIDENTIAL//REL TO JPN, USA"


def _field(page: str, key: str) -> tuple[str, list[str]]:
    """A property's name and the texts of its value, as the page shows them."""
    found = re.search(rf'<dt title="{re.escape(key)}">([^<]*)</dt><dd>(.*?)</dd>', page, re.S)
    assert found, key
    texts = [html.unescape(t).strip() for t in re.findall(r">([^<>]+)<", f">{found[2]}<")]
    return found[1], [t for t in texts if t]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", {"nations": ("承認する国", ["日本", "米国"]),
                "target_label": ("公開先の区分", ["秘//提供可：日本、米国"]),
                "context": ("文脈", ["共同分析成果物"]),
                "level": ("区分の程度", ["極秘"]), "releasable_to": ("提供先", ["日本", "米国"]),
                "policy": ("区分の規程", ["jpn-usa"]), "rank": ("程度の順位", ["20"]),
                "compartments": ("区画", ["BIAC"])}),
        ("en", {"nations": ("Approving nations", ["Japan", "United States"]),
                "target_label": ("Target label", ["CONFIDENTIAL//REL TO JPN, USA"]),
                "context": ("Context", ["Joint product"]),
                "level": ("Classification level", ["SECRET"]),
                "releasable_to": ("Releasable to", ["Japan", "United States"]),
                "policy": ("Label policy", ["jpn-usa"]), "rank": ("Rank of the level", ["20"]),
                "compartments": ("Compartments", ["BIAC"])}),
    ],
)  # fmt: skip
def test_a_joint_product_and_its_marking_read_in_the_readers_words(
    client: TestClient, node: Node, lang: str, said: dict[str, tuple[str, list[str]]]
) -> None:
    """Walk 47: in Japanese a joint product's page showed 「公開先の区分 CONFIDENTIAL//REL
    TO JPN, USA」, 「承認する国 JPN USA」, 「文脈 joint-analytic-product」, and its
    marking's 「区分 CONFIDENTIAL policy jpn-usa rank 10 releasable_to JPN USA」. Nations
    read by name, a label as the reader writes one (as the chips do), the context and
    the marking's fields in words; the raw body stays in the STIX object below."""
    from kizuna.domains.intel import model, service
    from kizuna.stix.markings import LABEL_EXTENSION
    from kizuna.stix.types import JOINT_PRODUCT

    officer = add_user(node, "sato", compartments=["BIAC"], roles=["author", "releasing_officer"])
    sato = officer[0].principal
    kinds = {k.key: k for k in model.KINDS}
    draft = "SECRET//BIAC//REL TO JPN, USA"
    aid = service.create(node.store, sato, kinds["assessments"],
                         {"name": "A", "judgement": "j", "confidence": 50}, draft).id  # fmt: skip
    made = service.create(node.store, sato, kinds["joint-products"],
                          {"name": "J", "contributions": [aid], "target_label": SHARED},
                          draft)  # fmt: skip
    with node.db.write() as conn:
        client.cookies.set(cookies(client).session, identity.start_session(conn, officer[0]))
    client.cookies.set(cookies(client).lang, lang)
    product = client.get(f"/objects/{made.id}").text
    shown = {key: _field(product, key) for key in ("nations", "target_label", "context")}
    marking = client.get(f"/objects/{made.object['object_marking_refs'][0]}").text
    shown |= {key: _field(marking, key) for key in
              ("level", "releasable_to", "policy", "rank", "compartments")}  # fmt: skip
    assert shown == said
    # The body itself is kept as it was written.
    body = made.object["extensions"][JOINT_PRODUCT]
    assert (body["nations"], body["target_label"]) == (["JPN", "USA"], SHARED)
    assert LABEL_EXTENSION in marking
