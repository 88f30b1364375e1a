"""Both languages side by side: the translation record's checks, the flag an object's
record gives, and glossary links that escape everything around them."""

from __future__ import annotations

import pytest

from kizuna.errors import Invalid
from kizuna.web.bilingual import (
    Mark,
    check_translation,
    glossed,
    side_by_side,
    translation_of,
    translation_record,
)

AT = "2026-12-03T06:00:00.000Z"


def test_a_good_record_is_kept_as_given() -> None:
    record = translation_record(source="ja", status="provisional", translator="sato", at=AT)
    assert record == {"source": "ja", "status": "provisional", "translator": "sato", "at": AT}
    assert check_translation({"source": "en", "status": "requested", "at": AT}).translator is None


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ("provisional", "x_kizuna_translation"),
        ({"source": "fr", "status": "verified", "translator": "kato", "at": AT},
         "x_kizuna_translation.source"),
        ({"source": "ja", "status": "official", "translator": "kato", "at": AT},
         "x_kizuna_translation.status"),
        ({"source": "ja", "status": "verified", "at": AT}, "x_kizuna_translation.translator"),
        ({"source": "ja", "status": "verified", "translator": "<b>", "at": AT},
         "x_kizuna_translation.translator"),
        ({"source": "ja", "status": "verified", "translator": "kato", "at": "yesterday"},
         "x_kizuna_translation.at"),
        ({"source": "ja", "status": "verified", "translator": "kato", "at": AT, "by": "x"},
         "x_kizuna_translation.by"),
    ],
)  # fmt: skip
def test_a_bad_record_is_refused_in_both_languages_naming_the_part(
    record: object, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        check_translation(record)
    assert caught.value.field == field
    message = str(caught.value)
    assert " / " in message, message
    assert any("\u3040" <= c <= "\u9fff" for c in message), message


def test_the_flag_follows_the_record_and_the_texts() -> None:
    record = {"source": "ja", "status": "provisional", "translator": "sato", "at": AT}
    both = {"name": "Harbour", "name_ja": "港", "x_kizuna_translation": record}
    view = side_by_side(both, "name", "name_ja")
    assert (view.status, view.source, view.translator) == ("provisional", "ja", "sato")
    assert side_by_side({"name": "Harbour", "name_ja": "港"}, "name", "name_ja").status is None
    assert side_by_side({"name_ja": "港"}, "name", "name_ja").status == "none"
    asked = {"name_ja": "港", "x_kizuna_translation": {**record, "status": "requested"}}
    assert side_by_side(asked, "name", "name_ja").status == "requested"
    # A malformed record is no record: the page shows what the texts say.
    assert translation_of({"x_kizuna_translation": {"status": "?"}}) is None


def test_links_escape_the_text_around_them() -> None:
    text = "<b>ACM</b> 同盟調整メカニズム & more"
    start = text.index("同盟")
    marks = [Mark(start, start + 9, "/glossary/terms/x", "同盟調整メカニズム / ACM"),
             Mark(start, start + 2, "/glossary/terms/y", "overlap")]  # fmt: skip
    html = str(glossed(text, marks))
    assert html.startswith("&lt;b&gt;ACM&lt;/b&gt; ")
    assert '<a class="term" href="/glossary/terms/x"' in html
    assert "/terms/y" not in html
    assert html.endswith("</a> &amp; more")


def test_a_translation_flag_never_claims_a_text_that_is_missing() -> None:
    """An item recorded as provisionally translated with its English left empty shows
    "No translation" in that column, and no flag saying it was translated."""
    from kizuna.web.pages import templates

    macro = templates.env.from_string(
        '{% from "bilingual.html" import bilingual with context %}'
        "{{ bilingual(en, ja, status=status, translator='sato') }}"
    )

    def shown(en: str, status: str) -> str:
        return macro.render(
            en=en, ja="給油機2機", status=status, lang="en", _=lambda s: s,
            colon_after=lambda word: f"{word}: ",
        )  # fmt: skip

    missing = shown("", "provisional")
    assert "No translation" in missing
    assert "bi-flag" not in missing
    both = shown("Two tankers", "provisional")
    assert (
        'class="bi-flag bi-flag-provisional">Provisional translation (仮訳) · Translator: sato'
        in (both)
    )
