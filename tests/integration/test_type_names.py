"""Each type has one name of its own, the same on the objects filter and the search
filter, in either language (walk 40: STIX's observed-data and the cell's observation
were both "Observation" on the objects filter, and the search filter called the
latter "Observation report")."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from kizuna.domains.intel.model import KINDS
from kizuna.runtime import Node
from tests.factories import PASSWORD, add_user, sign_in

pytestmark = pytest.mark.sqlite_only

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
_OPTION = re.compile(r'<option value="([^"]+)"[^>]*>([^<]*)</option>')


def _offered(page: str) -> dict[str, str]:
    select = page.split('<select name="type">', 1)[1].split("</select>", 1)[0]
    return {code: html.unescape(name) for code, name in _OPTION.findall(select)}


@SQLITE
def test_the_type_filters_name_each_type_once_and_alike(node: Node, client: TestClient) -> None:
    add_user(node, "tanaka", password=PASSWORD)
    for lang, brackets in (("ja", "（{}）"), ("en", " ({})")):
        sign_in(client, "tanaka", lang=lang)
        objects = _offered(client.get("/objects").text)
        searched = _offered(client.get("/search").text)
        client.cookies.clear()
        # The objects filter gives the STIX code after the name, in the reader's brackets.
        named = {code: shown.removesuffix(brackets.format(code)) for code, shown in objects.items()}
        assert [code for code, shown in named.items() if shown == objects[code]] == [], lang
        twice = {name: n for name, n in Counter(named.values()).items() if n > 1}
        assert twice == {}, lang
        assert {c: n for c, n in named.items() if c in searched and searched[c] != n} == {}, lang
        twice = {name: n for name, n in Counter(searched.values()).items() if n > 1}
        assert twice == {}, lang
        # The intel tabs name their types as the filters do (in English, in the plural).
        for kind in KINDS:
            tab = kind.ja if lang == "ja" else kind.en
            assert tab == named[kind.stix_type] + ("" if lang == "ja" else "s"), kind.key
