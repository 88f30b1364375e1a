"""Every message the pages show exists in Japanese and English."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from kizuna.web.i18n import translations

SRC = Path(__file__).resolve().parents[2] / "src" / "kizuna"


def _messages() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(SRC), method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_japanese_translation() -> None:
    messages = _messages()
    assert len(messages) > 20  # the extraction found the templates
    ja = translations("ja")
    missing = sorted(m for m in messages if ja.gettext(m) == m)
    assert missing == []


def test_english_is_the_message_itself() -> None:
    assert translations("en").gettext("Objects") == "Objects"
    assert translations("ja").gettext("Objects") == "オブジェクト"
