"""Times as a reader wants them: stored in UTC, shown in the reader's zone, with the
exact UTC instant on hover.

A reader sees the zone they chose on their settings page (`/account`), else their
nation's: Japan Standard Time for Japanese readers, UTC, labelled, for everyone else.
The element is `<time datetime=…>`, so the instant stays machine-readable whatever the
page shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from kizuna.web.i18n import N_, translations

__all__ = ["ZONES", "date_time_group", "render_dtg", "render_duration", "render_time", "zone_for"]

# The zone a nation's readers see by default.
JST = ZoneInfo("Asia/Tokyo")
# Military time-zone letters of the zones a date-time group is shown in.
ZONE_LETTERS = {0: "Z", 9 * 3600: "I"}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
ZONES = {"JPN": "Asia/Tokyo"}


@cache
def zone_for(nation: str, chosen: str | None = None) -> tzinfo:
    if chosen:
        return ZoneInfo(chosen)
    return ZoneInfo(ZONES[nation]) if nation in ZONES else UTC


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render_time(value: object, zone: tzinfo) -> Markup:
    """`<time>` showing the instant in `zone`, its exact UTC form on hover; a value that
    is not a time is shown as it is, and nothing as an em dash."""
    moment = _instant(value)
    if moment is None:
        return Markup("—") if value in (None, "") else escape(str(value))
    exact = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    local = moment.astimezone(zone)
    shown = local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(exact, shown)


def date_time_group(moment: datetime, zone: tzinfo = UTC) -> str:
    """A date-time group as staff messages write it: `DDHHMMZ MON YY` (`041230Z DEC 26`),
    with the zone letter of `zone` (Z for UTC, I for Japan Standard Time)."""
    local = moment.astimezone(zone)
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    letter = ZONE_LETTERS.get(seconds)
    if letter is None:
        raise ValueError(f"no zone letter for an offset of {seconds} s")
    return f"{local:%d%H%M}{letter} {MONTHS[local.month - 1]} {local:%y}"


def render_dtg(value: object, lang: str = "en") -> Markup:
    """`<time>` with the date-time group in Z and in JST (`041230Z DEC 26 (042130I JST)`,
    in Japanese brackets on a Japanese page), the two that a JJOC and a USFJ watch both
    read; an em dash for nothing."""
    moment = _instant(value)
    if moment is None:
        return Markup("—") if value in (None, "") else escape(str(value))
    exact = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if lang == "ja":
        shape = Markup('<time class="dtg" datetime="{0}" title="{0}">{1}（{2} JST）</time>')
    else:
        shape = Markup('<time class="dtg" datetime="{0}" title="{0}">{1} ({2} JST)</time>')
    return shape.format(exact, date_time_group(moment), date_time_group(moment, JST))


def render_duration(seconds: float, lang: str) -> Markup:
    """A span of time as a reader says it, to the unit that matters: seconds under a
    minute, then whole minutes, then hours and minutes (48 s, 2 min, 1 h 5 min /
    48秒、2分、1時間5分); the exact seconds on hover. A latency of "121 s" read as a
    machine's figure, and untranslated on a Japanese page."""
    gettext = translations(lang).gettext
    exact = round(seconds)
    minutes = round(seconds / 60)
    if exact < 60:
        said = gettext(N_("%(n)s s")) % {"n": exact}
    elif minutes < 60:
        said = gettext(N_("%(n)s min")) % {"n": minutes}
    elif minutes % 60 == 0:
        said = gettext(N_("%(n)s h")) % {"n": minutes // 60}
    else:
        said = gettext(N_("%(h)s h %(m)s min")) % {"h": minutes // 60, "m": minutes % 60}
    return Markup('<span class="duration" title="{0}">{1}</span>').format(
        gettext(N_("%(n)s s")) % {"n": exact}, said
    )
