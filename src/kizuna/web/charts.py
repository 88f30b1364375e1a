"""Small charts drawn on the server as inline SVG: no script, nothing loaded from
outside the node, readable without colour.

A chart scales to its box (`viewBox`, width 100 % in the style sheet), names itself
(`<title>`) and states every figure in words (`<desc>`), so a screen reader hears the
same numbers a sighted reader sees; the start page adds the figures as a table too,
with the links. The drawing holds no link: an image holds no control.
Colours come from classes in the style sheet: the content security policy refuses
inline styles.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from kizuna.today import Chart

__all__ = ["describe", "svg"]

Gettext = Callable[[str], str]

# Bars: the name on the left, the bar, its figure on the right.
_WIDTH = 300
_NAME = 96
_BAR_START = _NAME + 6
_BAR_ROOM = _WIDTH - _BAR_START - 44
_ROW = 24
# Columns: one slot per figure, its figure above and its name below.
_SLOT = 25
_HEIGHT = 120
_TOP = 16
_BASE = _HEIGHT - 20


def describe(chart: Chart, gettext: Gettext) -> str:
    """Every figure of the chart in words: `Proposed: 3 (overdue 1); Concurred: 2`."""
    parts = []
    for bar in chart.bars:
        text = f"{gettext(bar.name)}: {bar.value}"
        if bar.marked:
            text += f" ({gettext(chart.marked_name)} {bar.marked})"
        parts.append(text)
    return "; ".join(parts) if parts else gettext("No figures.")


def svg(key: str, title: str, chart: Chart, gettext: Gettext) -> Markup:
    """The chart as an `<svg role="img">` named by its title and described by its
    figures; `key` makes the ids unique on the page."""
    draw = _columns if chart.kind == "columns" else _bars
    width, height, body = draw(chart, gettext)
    return Markup(
        '<svg class="chart chart-{kind}" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{key}-title {key}-desc" preserveAspectRatio="xMinYMin meet">'
        '<title id="{key}-title">{title}</title><desc id="{key}-desc">{desc}</desc>'
        "{body}</svg>"
    ).format(
        kind=chart.kind,
        w=width,
        h=height,
        key=key,
        title=title,
        desc=describe(chart, gettext),
        body=body,
    )


def _scale(chart: Chart) -> int:
    return max((b.value for b in chart.bars), default=0) or 1


def _bars(chart: Chart, gettext: Gettext) -> tuple[int, int, Markup]:
    top = _scale(chart)
    out = Markup("")
    for n, bar in enumerate(chart.bars):
        y = n * _ROW
        length = round(_BAR_ROOM * bar.value / top, 1)
        marked = round(_BAR_ROOM * bar.marked / top, 1)
        shapes = Markup(
            '<text class="name" x="{x}" y="{ty}" text-anchor="end">{name}</text>'
            '<rect class="bar" x="{bx}" y="{by}" width="{len}" height="16"></rect>'
        ).format(x=_NAME, ty=y + 16, name=gettext(bar.name), bx=_BAR_START, by=y + 4, len=length)
        if bar.marked:
            # The marked part (overdue) is drawn over the start of the bar; its figure is
            # also written in brackets, so it reads without colour.
            shapes += Markup(
                '<rect class="bar marked" x="{bx}" y="{by}" width="{len}" height="16"></rect>'
            ).format(bx=_BAR_START, by=y + 4, len=marked)
        figure = str(bar.value) + (f" ({bar.marked})" if bar.marked else "")
        shapes += Markup('<text class="figure" x="{x}" y="{ty}">{figure}</text>').format(
            x=_BAR_START + length + 4, ty=y + 16, figure=figure
        )
        out += shapes
    return _WIDTH, max(len(chart.bars), 1) * _ROW + 4, out


def _columns(chart: Chart, gettext: Gettext) -> tuple[int, int, Markup]:
    top = _scale(chart)
    room = _BASE - _TOP
    out = Markup('<line class="axis" x1="0" y1="{y}" x2="{x}" y2="{y}"></line>').format(
        y=_BASE, x=len(chart.bars) * _SLOT
    )
    for n, bar in enumerate(chart.bars):
        x = n * _SLOT
        height = round(room * bar.value / top, 1)
        shapes = Markup(
            '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"></rect>'
            '<text class="figure" x="{cx}" y="{fy}" text-anchor="middle">{value}</text>'
            '<text class="name" x="{cx}" y="{ny}" text-anchor="middle">{name}</text>'
        ).format(
            x=x + 4,
            y=_BASE - height,
            w=_SLOT - 8,
            h=height,
            cx=x + _SLOT / 2,
            fy=_BASE - height - 4,
            value=bar.value,
            ny=_BASE + 14,
            name=gettext(bar.name),
        )
        out += shapes
    return max(len(chart.bars), 1) * _SLOT, _HEIGHT, out
