"""Spans of time in the reader's words and units (kizuna.web.times.render_duration)."""

from __future__ import annotations

import re

import pytest

from kizuna.web.times import render_duration


def said(seconds: float, lang: str) -> str:
    return re.sub(r"<[^>]+>", "", str(render_duration(seconds, lang)))


@pytest.mark.parametrize(
    ("seconds", "ja", "en"),
    [
        (0.4, "0秒", "0 s"),
        (48.2, "48秒", "48 s"),
        (121, "2分", "2 min"),
        (3599, "1時間", "1 h"),
        (3900, "1時間5分", "1 h 5 min"),
        (26 * 3600, "26時間", "26 h"),
    ],
)
def test_a_span_is_said_in_the_unit_that_matters(seconds: float, ja: str, en: str) -> None:
    assert said(seconds, "ja") == ja
    assert said(seconds, "en") == en


def test_the_exact_seconds_are_on_hover() -> None:
    assert 'title="121秒"' in str(render_duration(121, "ja"))
    assert 'title="121 s"' in str(render_duration(121.3, "en"))


def test_a_date_time_group_takes_the_readers_brackets() -> None:
    """Walk 36: 「090839Z DEC 26 (091739I DEC 26 JST)」 on Japanese pages."""
    from kizuna.web.times import render_dtg

    at = "2026-12-09T08:39:00Z"
    assert ">090839Z DEC 26 (091739I DEC 26 JST)</time>" in render_dtg(at, "en")
    assert ">090839Z DEC 26（091739I DEC 26 JST）</time>" in render_dtg(at, "ja")
