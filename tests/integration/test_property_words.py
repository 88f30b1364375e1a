"""Every property of every x-kizuna type an installed domain (or the federation)
declares has its words on the object page in both languages, not its raw key (walk 40
found meeting_date, period_start and question_ja raw on the Japanese page)."""

from __future__ import annotations

import pytest
from stix2.registry import STIX2_OBJ_MAPS

from kizuna.runtime import Node
from kizuna.stix.types import NEW_SDO, schema
from kizuna.web.fields import PROPERTY_NAMES
from kizuna.web.i18n import translations

pytestmark = pytest.mark.sqlite_only

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# The page shows these in its facts, or they carry no words of a type's own.
_FACTS = {"type", "id", "spec_version", "granular_markings"}


def _declared(stix_type: str) -> list[str]:
    """The properties a type declares: its published schema's, else its stix2 class's."""
    if stix_type in NEW_SDO:
        return list(schema(NEW_SDO[stix_type])["properties"])
    return list(STIX2_OBJ_MAPS["2.1"]["objects"][stix_type]._properties)


@SQLITE
def test_every_property_of_every_own_type_has_words_in_both_languages(node: Node) -> None:
    ja = translations("ja").gettext
    own = sorted(t for t in node.store.owners.owned_types() if t.startswith("x-kizuna-"))
    assert len(own) >= 20
    unnamed = []
    for stix_type in own:
        names = {**PROPERTY_NAMES, **node.property_words.get(stix_type, {})}
        for key in _declared(stix_type):
            if key in _FACTS:
                continue
            msgid = names.get(key)
            if msgid is None or msgid == key or ja(msgid) == msgid:
                unnamed.append(f"{stix_type}.{key}")
    assert unnamed == []
