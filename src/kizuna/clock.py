"""One source of time, so tests can freeze it. Timestamps are UTC, STIX style,
fixed width so that their text order is their time order on every database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["format_ts", "now", "now_ts", "parse_ts", "set_clock"]

_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the real one."""
    global _clock
    _clock = clock if clock is not None else (lambda: datetime.now(UTC))


def now() -> datetime:
    return _clock()


def format_ts(value: datetime) -> str:
    """`2024-07-28T06:15:00.000000Z`: microseconds, always the same width."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime:
    """A timestamp in UTC; ValueError for text that is not one, or whose instant falls
    outside the years 1 to 9999 once in UTC (`9999-12-31T23:59:59-01:00`)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{text!r} is outside the range of dates") from exc


def now_ts() -> str:
    return format_ts(now())
