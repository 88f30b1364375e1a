"""Every message the pages show exists in Japanese and English."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.extract import extract_from_dir

from kizuna.web.i18n import translations

SRC = Path(__file__).resolve().parents[2] / "src" / "kizuna"


def _messages() -> set[str | tuple[str, str]]:
    """Each message, or (singular, plural) for one that counts."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(SRC), method_map):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_every_message_has_a_japanese_translation() -> None:
    messages = _messages()
    assert len(messages) > 20  # the extraction found the templates
    assert any(isinstance(m, tuple) for m in messages)  # and the messages that count
    ja = translations("ja")

    def translated(message: str | tuple[str, str]) -> bool:
        if isinstance(message, str):
            return ja.gettext(message) != message
        return all(ja.ngettext(*message, n) not in message for n in (1, 2))

    missing = sorted(str(m) for m in messages if not translated(m))
    assert missing == []


def test_english_is_the_message_itself() -> None:
    assert translations("en").gettext("Objects") == "Objects"
    assert translations("ja").gettext("Objects") == "オブジェクト"


# One Japanese word for each of these in every message that names it: a page that says
# 取決め in its column and 協定 in its explanation reads as two different things.
# A joint product was 共同作成物 on the objects and search pages and 共同分析成果物 on
# the intel tabs (walk 40).
TERMS = {"agreement": "取決め", "audit": "監査記録", "joint product": "共同分析成果物"}


def test_a_term_reads_the_same_in_every_japanese_message() -> None:
    ja = translations("ja")
    for english, japanese in TERMS.items():
        named = [m for m in _messages() if isinstance(m, str) and english in m.lower()]
        assert named, english
        differ = sorted(m for m in named if japanese not in ja.gettext(m))
        assert differ == [], english


def test_the_intel_tabs_name_the_joint_product_as_the_catalog_does() -> None:
    from kizuna.domains.intel.model import kind_of

    joint = kind_of("joint-products")
    assert joint is not None
    assert joint.ja == TERMS["joint product"]


def test_a_label_given_as_an_example_is_the_same_label_in_japanese() -> None:
    """Form placeholders show a label as the reader writes one; the Japanese example
    must be a label, and the same one."""
    from kizuna.labels import parse
    from kizuna.labels.policy import default_policy

    policy, ja = default_policy(), translations("ja")
    whole = re.compile(r"[A-Z ]+(?://[A-Z/]+)?//REL TO [A-Z, ]+")
    examples = [m for m in _messages() if isinstance(m, str) and whole.fullmatch(m)]
    assert examples
    for english in examples:
        japanese = ja.gettext(english)
        assert "提供可" in japanese, english
        assert parse(policy, japanese) == parse(policy, english)


def test_a_label_given_as_an_example_in_a_sentence_is_written_as_the_reader_writes_it() -> None:
    """A refusal's example label (walk 40: 「「SECRET//REL TO JPN, USA」のように記入して
    ください」) is the label as a Japanese reader writes it, as the forms' placeholders
    and the labels they start from give it: the policy reads both, and one reader is
    shown one way."""
    from kizuna.labels import parse, render
    from kizuna.labels.policy import default_policy

    policy, ja = default_policy(), translations("ja")
    inside = re.compile(r"[A-Z]+(?://[A-Z]+)*//REL TO [A-Z]{3}(?:, [A-Z]{3})*")
    sentences = [m for m in _messages() if isinstance(m, str) and inside.search(m)]
    sentences = [m for m in sentences if not inside.fullmatch(m)]
    assert len(sentences) >= 4
    for english in sentences:
        for example in inside.findall(english):
            written = render(policy, parse(policy, example), "ja")
            assert f"「{written}」" in ja.gettext(english), english
            assert example not in ja.gettext(english), english


def test_each_message_is_translated_once() -> None:
    """A message given twice reads by the first entry, whatever the second says (a page's
    "Received" was written 受信日時 and 受領 in two places of the catalog)."""
    catalog = (SRC / "web/locale/ja/LC_MESSAGES/messages.po").read_text()
    entries = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"$', catalog, flags=re.MULTILINE)
    counted = Counter(entry for entry in entries if entry[1])
    assert [entry for entry, n in counted.items() if n > 1] == []


def test_a_word_and_what_follows_it_are_joined_in_the_readers_typography() -> None:
    """「区分: 」 read as a slip on a Japanese page (walk 33): a translated word or a
    nation's name followed by a colon goes through "{field}: {message}", which is
    「{field}：{message}」 in Japanese, never through an ASCII colon after the word."""
    slips = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\{\{ (_\([^)]*\)|nation_name\([^)]*\)) \}\}:", line)
    ]
    assert slips == []
    assert translations("ja").gettext("{field}: {message}") == "{field}：{message}"


def test_words_in_brackets_go_through_the_readers_brackets() -> None:
    """「(回答待ち)」 read as a slip on a Japanese page (walk 35): what a template puts in
    brackets goes through `in_parens`, 「（…）」 in Japanese. Only the numbers of a
    text's own items keep the text's "(1)"."""
    slips = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for found in re.finditer(r"\(\{\{ ([^}]*) \}\}\)", line)
        if not found.group(1).endswith(("item_number", "item.object.number"))
    ]
    assert slips == []
    assert translations("ja").gettext(" ({text})") == "（{text}）"
