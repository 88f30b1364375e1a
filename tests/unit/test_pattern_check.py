"""An indicator's STIX pattern is checked apart from the rest of the object, once per
pattern text (issue 12). The verdict and the stored body are the stix2 library's own:
checked here against the library itself, over patterns good and bad, with and without
a pattern version, and with other faults beside them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from kizuna.errors import Invalid
from kizuna.stix import patterns
from kizuna.stix.standard import mistyped
from kizuna.stix.validate import prepare

PATTERNS = [
    "[ipv4-addr:value = '198.51.100.7']",
    "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'example.org']",
    "[file:hashes.'SHA-256' = 'aa']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.0/24'] WITHIN 5 SECONDS",
    "([a:b = 1] OR [c:d = 2]) REPEATS 5 TIMES",
    "[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
    "[a:b IN (1, 2)] FOLLOWEDBY [a:c MATCHES '^x']",
    "[a:b.c[*].d = h'0a']",
    "[x:y = 1]",
    "not a pattern",
    "[ipv4-addr:value = '1.2.3.4'",
    "[a:b = 1]]",
    "[]",
    " ",
]
VERSIONS = [None, "", "2.1", "2.0"]
OTHER_FAULTS: list[dict[str, Any]] = [
    {},
    {"name": 5},
    {"valid_until": "2020-01-01T00:00:00Z"},
    {"pattern_type": "sigma"},
]
BASE = {
    "type": "indicator",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "spec_version": "2.1",
    "created": "2024-07-28T06:15:00.000Z",
    "modified": "2024-07-28T06:15:00.000Z",
    "pattern_type": "stix",
    "valid_from": "2024-07-28T06:15:00.000Z",
}


def _library(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The library's verdict and body; but a property of the wrong JSON type, which the
    library turns into the right one ("name": 5 stored as "5"), Kizuna refuses (walk 37)."""
    if mistyped(obj) is not None:
        return None
    try:
        return json.loads(stix2.parse(obj, allow_custom=False, version="2.1").serialize())
    except Exception:  # the empty pattern crashes the library's parser
        return None


@pytest.mark.parametrize("version", VERSIONS)
def test_the_verdict_and_the_body_are_the_librarys(version: str | None) -> None:
    compared = refused = 0
    for pattern in PATTERNS:
        for faults in OTHER_FAULTS:
            obj = {**BASE, "pattern": pattern, **faults}
            if version is not None:
                obj["pattern_version"] = version
            expected = _library(obj)
            try:
                got: dict[str, Any] | None = prepare(obj, now=BASE["created"])
            except Invalid:
                got = None
            assert got == expected, (version, pattern, faults)
            compared += 1
            refused += got is None
    assert 0 < refused < compared


def test_an_empty_pattern_is_refused_with_a_message() -> None:
    with pytest.raises(Invalid, match="pattern cannot be read") as caught:
        prepare({**BASE, "pattern": ""}, now=BASE["created"])
    assert caught.value.field == "object.pattern"


def test_a_pattern_seen_before_is_not_parsed_again() -> None:
    pattern = "[ipv4-addr:value = '203.0.113.99'] AND [domain-name:value = 'once.example']"
    obj = {**BASE, "pattern": pattern}
    prepare(obj, now=BASE["created"])
    before = patterns.pattern_errors.cache_info()
    prepare({**obj, "name": "a new version"}, now=BASE["created"])
    after = patterns.pattern_errors.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


# Patterns near the plain shape: the pieces of one, and the pieces that break it.
_PIECES = [
    "[",
    "]",
    " ",
    "  ",
    ":",
    ".",
    "=",
    "!=",
    "'",
    "\\'",
    "\\",
    "AND",
    "OR",
    "and",
    "ipv4-addr",
    "domain-name",
    "x-",
    "-",
    "value",
    "name",
    "_",
    "9",
    "hashes",
    "true",
    "IN",
    "in",
    "1.2.3.4",
    "é",
    "\n",
    "[*]",
    "(",
    ")",
    "t'",
    "/*",
    "LIKE",
]


@st.composite
def _near_plain(draw: st.DrawFn) -> str:
    tests = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["ipv4-addr", "domain-name", "url", "x-a1", "file"]))
        path = draw(st.sampled_from(["value", "name", "a_b.c", "x.value", "in", "true"]))
        value = draw(st.text(st.sampled_from("a.1' \\é:="), max_size=6))
        value = value.replace("\\", "\\\\").replace("'", "\\'")
        op = draw(st.sampled_from(["=", " = ", "!=", " != "]))
        tests.append(f"{kind}:{path}{op}'{value}'")
    text = "[" + draw(st.sampled_from([" AND ", " OR "])).join(tests) + "]"
    # Break it, or not, by inserting pieces anywhere.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(_PIECES)) + text[at:]
    return text


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_near_plain())
def test_the_plain_shape_admits_only_what_the_parser_accepts(pattern: str) -> None:
    if patterns.plainly_valid(pattern):
        assert run_validator(pattern, "2.1") == [], pattern


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ipv4-addr", "domain-name", "url", "email-addr", "x-kizuna-y"]),
            st.sampled_from(["value", "display_name", "a.b_c"]),
            st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=40),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_feeds_plain_patterns_skip_the_parser(tests: list[tuple[str, str, str]]) -> None:
    quoted = [
        f"{kind}:{path} = '" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        for kind, path, value in tests
    ]
    pattern = "[" + " OR ".join(quoted) + "]"
    assert run_validator(pattern, "2.1") == []
    assert patterns.plainly_valid(pattern) == ("hashes" not in pattern)
