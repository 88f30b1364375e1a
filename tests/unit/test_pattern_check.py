"""An indicator's STIX pattern is checked apart from the rest of the object, once per
pattern text (issue 12). The verdict and the stored body are the stix2 library's own:
checked here against the library itself, over patterns good and bad, with and without
a pattern version, and with other faults beside them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stix2

from kizuna.errors import Invalid
from kizuna.stix import validate
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
    before = validate._pattern_errors.cache_info()
    prepare({**obj, "name": "a new version"}, now=BASE["created"])
    after = validate._pattern_errors.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
