"""A policy file with a mistake is refused with a message naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.labels import PolicyError, load_policy

GOOD = """
name = "t"
[[levels]]
rank = 0
name = "U"
ja = "指定なし"
[nations]
JPN = { en = "Japan", ja = "日本" }
"""


def test_a_small_policy_loads(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_policy(path).lowest.name == "U"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name = 't'\n[nations]\n", "missing 'levels'"),
        (
            GOOD.replace("[nations]", "[[levels]]\nrank = 0\nname = 'X'\nja = 'x'\n[nations]"),
            "distinct",
        ),
        (GOOD + 'jp = { en = "x", ja = "y" }\n', "ISO 3166-1"),
        (GOOD + '[groups.G]\nmembers = ["USA"]\n', "unknown nations"),
        (GOOD + '[[compartments]]\ncode = "a/b"\n', "upper-case"),
        ("levels = [", "t.toml"),
    ],
)
def test_policy_mistakes_are_named(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=words):
        load_policy(path)
