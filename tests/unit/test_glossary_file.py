"""The glossary's terms file explains itself: every fault names the file and its line,
and the shipped starter set passes every check."""

from __future__ import annotations

import pytest

from kizuna.domains.glossary.termfile import GlossaryFileError, read_terms, shipped_terms
from kizuna.labels import default_policy, render

POLICY = default_policy()
GOOD = """\
label: UNCLASSIFIED//REL TO JPN, USA
terms:
  - ja: 存立危機事態
    en: survival-threatening situation
    readings: そんりつききじたい
  - ja: 同盟調整グループ
    en: Alliance Coordination Group
    abbreviations: [ACG]
    label: CONFIDENTIAL
"""


def _read(text: str) -> list[object]:
    return list(read_terms(text, "terms.yaml", policy=POLICY, nation="JPN"))


def test_a_good_file_reads_with_its_labels_and_lines() -> None:
    terms = read_terms(GOOD, "terms.yaml", policy=POLICY, nation="JPN")
    assert [(t.fields.ja, t.line) for t in terms] == [("存立危機事態", 3), ("同盟調整グループ", 6)]
    assert terms[0].fields.readings == ["そんりつききじたい"]
    assert render(POLICY, terms[0].label, "en") == "UNCLASSIFIED//REL TO JPN, USA"
    assert render(POLICY, terms[1].label, "en").startswith("CONFIDENTIAL")


BAD = [
    ("terms: [", "line 1: not valid YAML", "not YAML"),
    ("label: U\n", "line 1: the file lacks terms", "no terms"),
    ("terms:\n  - ja: 仮訳\n", "line 2: a term lacks en", "no English form"),
    ("terms:\n  - ja: 仮訳\n    en: provisional translation\n    yomi: かりやく\n",
     "line 4: a term has an unknown key 'yomi'", "an unknown key"),
    ("terms:\n  - ja: 仮訳\n    en: provisional translation\n    readings: [kariyaku]\n",
     "line 4: Readings: 'kariyaku' is not written in kana", "a reading not in kana"),
    ("terms:\n  - ja: 仮訳\n    en: x\n    status: official\n",
     "line 4: Status: unknown status 'official'", "an unknown status"),
    ("terms:\n  - ja: 仮訳\n    en: x\n    status: verified\n",
     "line 2: A verified term has a definition", "verified without definitions"),
    ("terms:\n  - ja: 仮訳\n    en: x\n    label: SEKRET\n", "line 4: label 'SEKRET'",
     "a bad label"),
    ("label: NOPE\nterms: []\n", "line 1: label 'NOPE'", "a bad default label"),
    ("terms:\n  - ja: 仮訳\n    en: Provisional  Translation\n  - ja: 仮訳\n"
     "    en: provisional translation\n", "line 4: the term 仮訳 / provisional translation is "
     "already at line 2", "a term twice"),
    ("terms:\n  - ja: " + "あ" * 201 + "\n    en: x\n", "line 2: Japanese form: at most 200",
     "a form too long"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "said", "case"), BAD, ids=[c for _, _, c in BAD])
def test_every_fault_names_the_file_and_line(text: str, said: str, case: str) -> None:
    with pytest.raises(GlossaryFileError) as caught:
        _read(text)
    assert str(caught.value).startswith("terms.yaml "), case
    assert said in str(caught.value), (case, str(caught.value))


def test_the_shipped_starter_set_passes_and_names_its_sources() -> None:
    terms = shipped_terms(policy=POLICY, nation="JPN")
    forms = {t.fields.ja: t.fields for t in terms}
    for ja in (
        "同盟調整メカニズム",
        "重要影響事態",
        "存立危機事態",
        "武力攻撃事態",
        "武力攻撃予測事態",
        "グレーゾーン事態",
        "仮訳",
        "拡大抑止協議",
        "統合作戦司令部",
        "共同運用調整所",
    ):
        assert ja in forms, ja
        assert forms[ja].source, ja
    assert forms["同盟調整グループ"].abbreviations == ["ACG"]
    assert forms["仮訳"].en == "provisional translation"
