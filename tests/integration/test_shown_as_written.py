"""A page shows a text as it is written (stop 46): the store refuses bidirectional
controls in the texts people type, but an observable keeps the name it was seen under
(a malware file named "photo" U+202E "gnp.exe" reads "photoexe.png" when the control
is obeyed) and an object stored before the rule keeps its text. Every page prints such
a control as its code point, [U+202E], in both languages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import kizuna.store.owners as owners_module
from kizuna.labels import parse
from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import PASSWORD, add_user, bearer, report, sign_in

pytestmark = pytest.mark.sqlite_only

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.fixture
def web(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node)) as client:
        yield client


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_control_in_an_observables_name_or_an_old_text_is_shown_not_obeyed(
    node: Node, web: TestClient, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    _, token = add_user(node, "sato", roles=["author"], password=PASSWORD)
    seen = web.post(
        "/api/v1/objects",
        json={"object": {"type": "file", "name": "photo\u202egnp.exe"},
              "label": "SECRET//REL TO JPN"},
        headers=bearer(token),
    )  # fmt: skip
    assert seen.status_code == 201, seen.text
    with monkeypatch.context() as m:  # stored before the store refused it
        m.setattr(owners_module, "check_texts", lambda _write: None)
        old = node.store.create(
            node.system,
            report("Quarterly \u2067summary\u2069", description="see \u202eexe.txt"),
            parse(node.policy, "SECRET//REL TO JPN"),
        )
    sign_in(web, "sato", lang=lang)
    shown = {
        "/objects": ["photo[U+202E]gnp.exe", "Quarterly [U+2067]summary[U+2069]"],
        f"/objects/{seen.json()['id']}": ["photo[U+202E]gnp.exe"],
        f"/objects/{old.id}": ["Quarterly [U+2067]summary[U+2069]", "see [U+202E]exe.txt"],
        "/search?q=photo": ["photo[U+202E]gnp.exe"],
    }
    for url, texts in shown.items():
        page = web.get(url)
        assert page.status_code == 200, url
        assert not any(c in page.text for c in CONTROLS), url
        for text in texts:
            assert text in page.text, (url, text)
