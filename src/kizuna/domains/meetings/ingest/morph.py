"""SudachiPy with the core dictionary, loaded once per process.

Tokens are plain tuples so the rest of the parser does not hold Sudachi objects
(their lists are only valid until the next call)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sudachipy import Dictionary, SplitMode

__all__ = ["Token", "tokenize"]

# Sudachi refuses inputs over about 49 KB: summaries are cut into lines first.
_MAX_CHARS = 12_000


@dataclass(frozen=True)
class Token:
    surface: str
    lemma: str  # normalized form: 及び for および, 強靭 for 強じん
    pos: tuple[str, ...]
    begin: int
    end: int

    @property
    def is_noun(self) -> bool:
        return self.pos[0] in ("名詞", "接尾辞")

    def has(self, *parts: str) -> bool:
        return all(p in self.pos for p in parts)


@cache
def _tokenizer() -> Any:
    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` with offsets into it."""
    out: list[Token] = []
    start = 0
    while start < len(text):
        chunk = text[start : start + _MAX_CHARS]
        for m in _tokenizer().tokenize(chunk):
            out.append(
                Token(
                    m.surface(),
                    m.normalized_form(),
                    tuple(m.part_of_speech()),
                    start + m.begin(),
                    start + m.end(),
                )
            )
        start += _MAX_CHARS
    return out
