"""A look-up folds the ways English joins words: "gray zone", "gray-zone", "Gray–Zone"
and "gray_zone" find the same term, on the list, the REST look-up and in a text's
links (walk 48: only "gray-zone" found 「グレーゾーン事態」)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.domains.glossary import queries
from kizuna.domains.glossary.model import TermCreate
from kizuna.domains.glossary.service import create_term
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, bearer

GRAY = {"ja": "グレーゾーン事態", "en": "gray-zone situation", "readings": ["ぐれーぞーんじたい"],
        "label": "UNCLASSIFIED//REL TO JPN, USA"}  # fmt: skip


def test_gray_zone_is_found_however_its_words_are_joined(node: Node) -> None:
    author, _ = add_user(node, "sato", nation="JPN", roles=["author", "releasing_officer"],
                         password=PASSWORD)  # fmt: skip
    _, token = add_user(node, "smith", nation="USA", roles=["reader"], password=PASSWORD)
    made = create_term(node, author.principal, TermCreate(**GRAY))
    other = create_term(node, author.principal, TermCreate(
        ja="ゾーン防空", en="zone air defense", label="UNCLASSIFIED//REL TO JPN, USA"))  # fmt: skip
    joined = (
        "gray zone",
        "gray-zone",
        "Gray–Zone",
        "gray_zone",
        "ＧＲＡＹ　ＺＯＮＥ",
        "ぐれーぞーん",
    )
    for q in joined:
        found = queries.look_up(node.store, author.principal, q)
        assert [t.id for t in found.terms] == [made.id], q
    with TestClient(create_app(node)) as web:
        answer = web.get("/api/v1/glossary", params={"q": "gray zone situation"},
                         headers=bearer(token))  # fmt: skip
        assert [t["id"] for t in answer.json()["terms"]] == [made.id]
    # The link in a text: its whole words, joined either way; "zone" alone is no term.
    for text in ("In a gray zone situation, the ACG meets.", "A gray-zone situation."):
        links = queries.marks(node.store, author.principal, text)
        assert [(text[m.start : m.end], m.href) for m in links] == [
            (text[text.index("gray") : text.index("situation") + 9], f"/glossary/terms/{made.id}")
        ], text
    assert other.id not in {t.id for t in queries.look_up(node.store, author.principal,
                                                            "gray zone").terms}  # fmt: skip
