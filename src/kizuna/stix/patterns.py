"""The verdict on an indicator's STIX pattern, as stix2-patterns gives it, at less cost.

stix2-patterns parses a pattern with an ANTLR parser: about 1.4 ms a pattern, most of
what storing an indicator costs. Most indicators in a feed share one shape, a single
observation of equality tests (`[ipv4-addr:value = '198.51.100.7']`), whose validity a
regular expression decides exactly. A pattern of that shape is valid without the
parser; every other pattern, and every invalid one, goes to the parser, whose errors
are the ones reported. The shape is kept narrow so that it never admits what the
parser refuses: no keyword or boolean literal as an identifier (they lex as tokens),
no `hashes` (the library checks hash values after the parse), no qualifiers, nothing
but spaces between tokens. tests/unit/test_pattern_check.py holds it to the parser's
verdict on generated patterns, valid and broken.

The verdict of the parser is remembered per pattern text: the same text comes again
with every new version of an indicator and every feed posted again.
"""

from __future__ import annotations

import functools
import re

from stix2patterns.validator import run_validator

__all__ = ["pattern_errors", "plainly_valid"]

# Words the lexer reads as keywords or literals (its keywords are upper case, its
# booleans lower case); compared in lower case to stay clear of both.
_TOKENS = {
    "and", "or", "not", "followedby", "like", "matches", "issuperset", "issubset",
    "exists", "last", "in", "start", "stop", "seconds", "true", "false", "within",
    "repeats", "times",
}  # fmt: skip
_IDENT = r"[a-z_][a-z0-9_]*"
_TYPE = r"[a-z][a-z0-9-]*[a-z0-9]"
_STRING = r"'(?:[^'\\\x00-\x1f\x7f]|\\['\\])*'"
_TEST = rf"({_TYPE}):({_IDENT}(?:\.{_IDENT})*) ?!?= ?{_STRING}"
_SHAPE = re.compile(rf"\[ ?{_TEST}(?: (?:AND|OR) {_TEST})* ?\]")
_WORDS = re.compile(rf"({_TYPE}):({_IDENT}(?:\.{_IDENT})*) ?!?= ?{_STRING}")


def plainly_valid(pattern: str) -> bool:
    """True only for a pattern of the single plain shape, which the parser accepts."""
    if "hashes" in pattern or not _SHAPE.fullmatch(pattern):
        return False
    for test in _WORDS.finditer(pattern):
        words = [test.group(1), *test.group(2).split(".")]
        if any(word.lower() in _TOKENS for word in words):
            return False
    return True


@functools.lru_cache(maxsize=16384)
def pattern_errors(pattern: str, version: str | None) -> tuple[str, ...]:
    """The errors stix2-patterns finds in `pattern` (STIX pattern language `version`)."""
    if version == "2.1" and plainly_valid(pattern):
        return ()
    try:
        return tuple(str(e) for e in run_validator(pattern, version))
    except Exception as exc:  # the empty pattern crashes the parser (UnboundLocalError)
        return (f"the pattern cannot be read ({type(exc).__name__})",)
