"""The rules every glossary term meets, whatever path it took: the glossary's own
service, a generic write (refused before these run, but for a release decision), a STIX
import, a TAXII POST, and a version arriving from a peer (registered as the owner's
`rules`).

A term has both forms (Japanese and English), each at most `MAX_FORM` characters; its
readings are kana; its status is provisional or verified; a verified term names its
source and has a definition in each language, and only a translator (the
`translation:text:verify` permission) marks one verified. A term is one per label and
originating node: two current terms of one node at the same label may not share both
their folded forms (`model.fold`); the writer may read that label, so the refusal tells
them nothing they may not see. A release decision changes the label alone.

Every refusal is a `TermInvalid` that says what is wrong in English and in Japanese
(its text is both, "English / 日本語"), naming the field at fault.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.glossary.model import (
    MAX_ABBREVIATION,
    MAX_ABBREVIATIONS,
    MAX_DEFINITION,
    MAX_FORM,
    MAX_READINGS,
    MAX_SOURCE,
    TERM_TYPE,
    Status,
    fold,
    is_kana,
)
from kizuna.domains.glossary.schema import glossary_terms
from kizuna.errors import Invalid
from kizuna.identity.principal import Permission, Principal
from kizuna.stix.validate import bidi_changed, bidi_words
from kizuna.store.access import current
from kizuna.store.owners import Write
from kizuna.store.rows import label_of_row

__all__ = ["FIELDS", "TermInvalid", "check_term", "duplicate_of", "owner_rules"]

# The fields of a term as a person names them: (English, Japanese).
FIELDS: dict[str, tuple[str, str]] = {
    "name": ("English form", "英語の表記"),
    "name_ja": ("Japanese form", "日本語の表記"),
    "readings": ("Readings", "読み"),
    "abbreviations": ("Abbreviations", "略語"),
    "definition": ("Definition (English)", "定義（英語）"),
    "definition_ja": ("Definition (Japanese)", "定義（日本語）"),
    "source": ("Source", "出典"),
    "status": ("Status", "状態"),
    "label": ("Label", "区分"),
    "object": ("Term", "用語"),
}
# Properties a release may change: the time of the version and its label marking.
_RELEASE_CHANGES = {"modified", "object_marking_refs"}


class TermInvalid(Invalid):
    """A term the glossary refuses, said in both languages."""

    def __init__(self, en: str, ja: str, *, field: str) -> None:
        super().__init__(f"{en} / {ja}", field=field)
        self.en = en
        self.ja = ja


def _named(field: str) -> tuple[str, str]:
    return FIELDS.get(field, (field, field))


def _required(field: str) -> TermInvalid:
    en, ja = _named(field)
    return TermInvalid(f"{en}: required", f"{ja}：入力してください", field=field)


def _too_long(field: str, most: int) -> TermInvalid:
    en, ja = _named(field)
    return TermInvalid(
        f"{en}: at most {most} characters", f"{ja}：{most} 文字以内で入力してください", field=field
    )


def _text(body: dict[str, Any], field: str, most: int, *, required: bool = False) -> str:
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _required(field)
        return ""
    if not isinstance(value, str):
        en, ja = _named(field)
        raise TermInvalid(f"{en}: a text", f"{ja}：文字列で入力してください", field=field)
    if len(value) > most:
        raise _too_long(field, most)
    return value.strip()


def _texts(body: dict[str, Any], field: str, most_items: int, most_chars: int) -> list[str]:
    value = body.get(field)
    if value is None:
        return []
    en, ja = _named(field)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TermInvalid(
            f"{en}: a list of texts", f"{ja}：文字列の一覧で入力してください", field=field
        )
    if len(value) > most_items:
        raise TermInvalid(
            f"{en}: at most {most_items}", f"{ja}：{most_items} 件までです", field=field
        )
    for item in value:
        if not item.strip():
            raise TermInvalid(f"{en}: an empty entry", f"{ja}：空の項目があります", field=field)
        if len(item) > most_chars:
            raise _too_long(field, most_chars)
    return list(value)


# Every text of a term another reader sees: its forms, readings, definitions, source.
_TEXTS = ("name_ja", "name", "readings", "abbreviations", "definition", "definition_ja", "source")


def _refuse_bidi(body: dict[str, Any], previous: dict[str, Any] | None) -> None:
    """No bidirectional control in a text of the term: it would show every reader of the
    glossary a text other than the one written. A text carried unchanged from the
    version before is not judged again, so a term stored before this rule is still
    edited and released."""
    found = bidi_changed(body, _TEXTS, previous)
    if found is not None:
        field, control = found
        en, ja = _named(field)
        raise TermInvalid(
            f"{en}: {bidi_words(control)}",
            f"{ja}：{control} は文字の並びを書かれたとおりでなく見せる双方向制御文字です。"
            "削除してください",
            field=field,
        )


def check_term(
    body: dict[str, Any],
    principal: Principal | None = None,
    previous: dict[str, Any] | None = None,
) -> None:
    """A term's body, with the version it replaces (`previous`) when there is one.
    `principal` (None for a peer's version) must be allowed to mark it verified when it
    is."""
    _text(body, "name_ja", MAX_FORM, required=True)
    _text(body, "name", MAX_FORM, required=True)
    status = body.get("status")
    if status not in tuple(Status):
        raise TermInvalid(
            f"Status: unknown status '{status}'; provisional or verified",
            f"状態：「{status}」は使えません。provisional（仮）か verified（確認済み）です",
            field="status",
        )
    for reading in _texts(body, "readings", MAX_READINGS, MAX_FORM):
        if not is_kana(reading):
            raise TermInvalid(
                f"Readings: '{reading}' is not written in kana",
                f"読み：「{reading}」は仮名で書いてください",
                field="readings",
            )
    _texts(body, "abbreviations", MAX_ABBREVIATIONS, MAX_ABBREVIATION)
    definition = _text(body, "definition", MAX_DEFINITION)
    definition_ja = _text(body, "definition_ja", MAX_DEFINITION)
    source = _text(body, "source", MAX_SOURCE)
    _refuse_bidi(body, previous)
    if status == Status.VERIFIED:
        if not (definition and definition_ja and source):
            raise TermInvalid(
                "A verified term has a definition in each language and names its source",
                "確認済みの用語には日英両方の定義と出典が必要です",
                field="definition" if not definition else "definition_ja" if not definition_ja
                else "source",
            )  # fmt: skip
        if principal is not None and not principal.can(Permission.TRANSLATION_VERIFY):
            raise TermInvalid(
                f"Status: only a translator marks a term verified; {principal.name} may save "
                "it as provisional",
                f"状態：用語を確認済みにできるのは翻訳者だけです。{principal.name} さんは"
                "仮（provisional）として保存できます",
                field="status",
            )


def duplicate_of(conn: Connection, write: Write) -> str | None:
    """The id of another current term of the same origin and label with both folded
    forms of this one, if there is one."""
    ja_key = fold(str(write.body.get("name_ja", "")))[:MAX_FORM]
    en_key = fold(str(write.body.get("name", "")))[:MAX_FORM]
    rows = conn.execute(
        select(objects.c.stix_id, versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .select_from(
            glossary_terms.join(objects, objects.c.pk == glossary_terms.c.object_pk)
            .join(
                access,
                and_(
                    access.c.object_pk == objects.c.pk,
                    access.c.nation == objects.c.origin,
                    current(),
                ),
            )
            .join(versions, versions.c.pk == access.c.version_pk)
        )
        .where(
            glossary_terms.c.ja_key == ja_key,
            glossary_terms.c.en_key == en_key,
            objects.c.origin == write.origin,
            objects.c.stix_id != str(write.body.get("id", "")),
        )
    ).all()
    for row in rows:
        if label_of_row(row) == write.label:
            return str(row.stix_id)
    return None


def _unchanged(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _RELEASE_CHANGES}


def owner_rules(conn: Connection, write: Write) -> None:
    """The rules the store runs on every write of a term."""
    if write.body.get("type") != TERM_TYPE:
        raise TermInvalid(
            "A glossary term stays a glossary term", "用語は用語のままです", field="object"
        )
    if write.kind == "release":
        if write.previous is None or _unchanged(write.body) != _unchanged(write.previous):
            raise TermInvalid(
                "A release decision changes the label of a term, nothing else",
                "公開範囲の決定で変わるのは用語の区分だけです",
                field="object",
            )
        return
    verifier = None if write.kind == "accept" else write.principal
    previous = write.previous or {}
    unchanged_verified = (
        write.body.get("status") == Status.VERIFIED
        and previous.get("status") == Status.VERIFIED
        and _unchanged({**write.body, "status": None}) == _unchanged({**previous, "status": None})
    )
    check_term(write.body, None if unchanged_verified else verifier, write.previous)
    if (
        write.previous is not None
        and write.label != write.previous_label
        and write.kind != "accept"
    ):
        raise TermInvalid("An edit keeps the label", "編集では区分は変わりません", field="label")
    found = duplicate_of(conn, write)
    if found is not None:
        raise TermInvalid(
            f"The term '{write.body.get('name_ja')}' / '{write.body.get('name')}' is already "
            f"in the glossary at this label ({found}): edit that one",
            f"用語「{write.body.get('name_ja')}」（{write.body.get('name')}）は同じ区分で既に"
            f"登録されています（{found}）。そちらを編集してください",
            field="name_ja",
        )
