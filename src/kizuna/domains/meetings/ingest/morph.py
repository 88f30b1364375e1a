"""SudachiPy with the core dictionary, loaded once per process.

Tokens are plain tuples so the rest of the parser does not hold Sudachi objects
(their lists are only valid until the next call)."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from sudachipy import Dictionary, SplitMode

__all__ = ["Token", "tokenize"]

# Sudachi refuses inputs over about 49 KB: summaries are cut into lines first.
_MAX_CHARS = 12_000


class Token(NamedTuple):
    # A named tuple: a megabyte of text makes a few hundred thousand of them.
    surface: str
    lemma: str  # normalized form: 及び for および, 強靭 for 強じん
    pos: tuple[str, ...]
    begin: int
    end: int

    @property
    def is_noun(self) -> bool:
        return self.pos[0] in ("名詞", "接尾辞")

    def has(self, *parts: str) -> bool:
        pos = self.pos
        return all(p in pos for p in parts)


@cache
def _dictionary() -> Any:
    return Dictionary(dict="core")


@cache
def _tokenizer() -> Any:
    return _dictionary().tokenizer(mode=SplitMode.C)


@cache
def _pos(pos_id: int) -> tuple[str, ...]:
    # A part of speech is one of a few thousand: built once, not once per word.
    return tuple(_dictionary().pos_of(pos_id))


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` with offsets into it."""
    out: list[Token] = []
    start = 0
    tokenizer = _tokenizer()
    while start < len(text):
        chunk = text[start : start + _MAX_CHARS]
        at = start
        for m in tokenizer.tokenize(chunk):
            surface = m.surface()
            # Morphemes tile the chunk: offsets are running lengths (fewer calls).
            out.append(
                Token(
                    surface, m.normalized_form(), _pos(m.part_of_speech_id()), at, at + len(surface)
                )
            )
            at += len(surface)
        start += _MAX_CHARS
    return out
