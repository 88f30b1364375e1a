"""What a person reads on a page: errors in their words and language, times in their
zone with the exact instant kept."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.labels import LabelError
from kizuna.web.errors import FIELD_NAMES, explain
from kizuna.web.i18n import N_
from kizuna.web.times import render_time, zone_for


class _Form(BaseModel):
    title_en: str = Field(min_length=1, max_length=300)
    confidence: int = Field(ge=0, le=100)


def _refusal(**values: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _Form(**values)
    return caught.value


@pytest.mark.parametrize(
    ("exc", "ja", "en"),
    [
        (
            _refusal(title_en="", confidence=1),
            "件名（英語）：入力してください。",
            "Title (English): this field is required.",
        ),
        (
            _refusal(title_en="x" * 301, confidence=1),
            "件名（英語）：300 文字以内で入力してください。",
            "Title (English): at most 300 characters.",
        ),
        (
            _refusal(title_en="x", confidence=101),
            "確度：100 以下にしてください。",
            "Confidence: at most 100.",
        ),
        (
            Invalid("a non_concur needs the reason in 'comment'", field="comment"),
            "コメント：コメントに理由を記入してください。",
            "Comment: give the reason in the comment.",
        ),
        (
            Invalid("the cursor is malformed", field="cursor"),
            "ページ：このページへのリンクは無効です。最初のページからやり直してください。",
            "Page: this page link is no longer valid; start again from the first page.",
        ),
        (
            Refused("a refusal the pages have no words for", action="x"),
            "この操作は許可されていません。あなたの役割または資格では行えません。",
            "You may not do this: your role or clearance does not allow it.",
        ),
        (
            # Walk 50: the role in words, not the permission's code.
            Refused("x may not answer: it needs the author or coordinator role", action="x"),
            "あなたの役割ではこの操作はできません。作成者または調整担当者の役割が必要です。",
            "Your roles do not allow this: it needs the author or coordinator role.",
        ),
        (
            Refused(
                "the label TOP SECRET//REL TO JPN is above the clearance of sato",
                field="label",
                action="store:object:label",
            ),
            "区分：この区分はあなたの資格を超えています。自分の資格以下で書いてください。",
            "Label: this label is above your clearance: write at or below your own.",
        ),
        (
            Refused(
                "this is a release decision: only a releasing officer of JPN may take it",
                field="label",
                action="object:release",
            ),
            "区分：この提供の決定は、作成国の提供責任者だけが行えます。",
            "Label: only a releasing officer of the originating nation may take this "
            "release decision.",
        ),
        (
            Refused("sato is not a member of usfj and may not acknowledge for it", action="x"),
            "あなたはこの組織に所属していません。",
            "You are not a member of this body.",
        ),
        (
            NotFound("indicator--1 not found"),
            "該当するものがないか、閲覧が許可されていません。",
            "There is nothing here, or you may not see it.",
        ),
        (
            Conflict("version 3 exists"),
            "その間に変更がありました。ページを再読み込みして、もう一度お試しください。",
            "This was changed meanwhile: reload the page and try again.",
        ),
        (
            # A label is typed, never chosen from offered values.
            Invalid("label: unknown level 'SECRTE'", field="label"),
            "区分：規程に等級「SECRTE」はありません。"
            "「極秘//提供可：日本、米国」のように記入してください。",
            "Label: the policy has no level SECRTE: write a label such as SECRET//REL TO JPN, USA.",
        ),
        (
            # Walk 33: SECRET//REL TO USA typed on JPN is a label the policy knows; the
            # nation of the node is missing from it.
            Invalid("the label must be releasable to JPN, the originating nation", field="label"),
            "区分：提供可（REL TO）に自国も含めてください。",
            "Label: release it to your own nation too: name it after REL TO.",
        ),
        (
            LabelError("unknown level 'SEKRET'", field="level"),
            "区分：規程に等級「SEKRET」はありません。"
            "「極秘//提供可：日本、米国」のように記入してください。",
            "Label: the policy has no level SEKRET: write a label such as SECRET//REL TO JPN, USA.",
        ),
        (
            # Walk 37: the part the policy does not know is named.
            LabelError("unknown nation or group 'XXX'", field="rel_to"),
            "区分：規程に国「XXX」はありません。"
            "「極秘//提供可：日本、米国」のように記入してください。",
            "Label: the policy knows no nation XXX: write a label such as SECRET//REL TO JPN, USA.",
        ),
        (
            LabelError("unknown compartment 'FOO'; known: BIAC, CYBER", field="compartments"),
            "区分：規程に区画「FOO」はありません。"
            "「極秘//BIAC//提供可：日本、米国」のように記入してください。",
            "Label: the policy has no compartment FOO: write a label such as "
            "SECRET//BIAC//REL TO JPN, USA.",
        ),
        (
            LabelError("label 'SECRET//' has an empty part between '//'"),
            "区分：「極秘//提供可：日本、米国」のように、規程にある区分を記入してください。",
            "Label: write a label the policy knows, such as SECRET//REL TO JPN, USA.",
        ),
        (
            # Walk 46: a valid label an owner's rule refuses, with no words of its own,
            # is said as the store says it, never as a label the policy does not know.
            Invalid("a minute is never wider than its agenda", field="label"),
            "区分：a minute is never wider than its agenda",
            "Label: a minute is never wider than its agenda",
        ),
    ],
)
def test_errors_read_as_words_in_both_languages(exc: Exception, ja: str, en: str) -> None:
    assert explain(exc, "ja") == ja
    assert explain(exc, "en") == en


def test_a_body_too_large_names_the_limit() -> None:
    too_large = HTTPException(413, "the request body is over 1048576 bytes")
    said = explain(too_large, "en", limit=1_048_576)
    assert said == "What you sent is too large (at most 1 MiB)."
    assert explain(too_large, "ja", limit=1_048_576) == "送信内容が大きすぎます（上限 1 MiB）。"


def test_a_form_names_its_fields_in_its_own_words() -> None:
    # `kind` is an incident's kind on most forms; on an item's answer form, the answer.
    unknown = Invalid("unknown kind 'fire'; known: accident, incident", field="kind")
    assert explain(unknown, "en") == "Kind: choose one of the offered values."
    assert explain(unknown, "ja") == "種類：表示されている選択肢から選んでください。"
    said = explain(unknown, "ja", fields={"kind": N_("Answer")})
    assert said == "回答：表示されている選択肢から選んでください。"


def test_no_message_leaks_developer_words() -> None:
    said = explain(Invalid("unknown state 'bogus'; known: draft, proposed", field="state"), "en")
    assert said == "State: choose one of the offered values."
    assert "bogus" not in said


def test_times_show_in_the_readers_zone_with_the_instant_on_hover() -> None:
    tokyo = zone_for("JPN")
    assert tokyo == ZoneInfo("Asia/Tokyo")
    shown = str(render_time("2026-12-03T06:00:00.000Z", tokyo))
    assert shown == (
        '<time datetime="2026-12-03T06:00:00Z" title="2026-12-03T06:00:00Z">'
        "2026-12-03 15:00 JST</time>"
    )
    assert "2026-12-03 06:00 UTC</time>" in str(render_time(1_796_277_600, zone_for("USA")))
    assert str(render_time(None, tokyo)) == "—"
    assert str(render_time("<b>", tokyo)) == "&lt;b&gt;"


def _page_routes() -> list[APIRoute]:
    from kizuna import domains
    from kizuna.web import accounts, federation, objects, pages, search
    from kizuna.web.start import router as start

    routers = [pages.router, objects.router, accounts.router, search.router, federation.router]
    routers += [start] + [r for d in domains.installed() for r in d.routers()]
    return [
        route
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and not route.path.startswith(("/api/", "/federation/"))
    ]


def test_every_query_parameter_of_a_page_is_named_in_the_readers_words() -> None:
    """A page refusing `?page=999` said "page：500 以下にしてください。" (walk 31): every
    parameter a page can refuse has its name on the form, in both languages. One that
    takes any text unchecked is never refused, so it needs no name."""
    unnamed = []
    for route in _page_routes():
        for param in route.dependant.query_params:
            info = param.field_info
            takes_anything = info.annotation in (str, str | None) and not info.metadata
            if not takes_anything and param.alias not in FIELD_NAMES:
                unnamed.append(f"{route.path}?{param.alias}")
    assert unnamed == []


def test_a_file_just_over_the_limit_is_not_said_to_be_the_limit() -> None:
    """Walk 39: "The file is too large: 762 KiB. An attachment may be at most 762 KiB."
    Sizes that round alike are said in bytes; others as people say them."""
    from kizuna.domains.attachments.content import too_large
    from kizuna.domains.attachments.words import words

    limit = 780_000
    assert "780,001 B" in words(too_large(limit + 1, limit), "en")
    assert "780,000 B" in words(too_large(limit + 1, limit), "en")
    far = words(too_large(3 * 2**20, limit), "en")
    assert "3.0 MiB" in far
    assert "762 KiB" in far
