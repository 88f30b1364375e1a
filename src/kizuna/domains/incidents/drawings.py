"""The figures page's drawings: events by municipality on a sketch map and by month
and kind as stacked bars, SVG drawn by the server (pages load nothing from outside)."""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

from kizuna.domains.incidents.model import KINDS, kind_name
from kizuna.domains.incidents.places import centroids as shipped
from kizuna.domains.incidents.places import municipality_name

__all__ = ["chart_svg", "map_svg"]


def map_svg(counts: dict[str, int], lang: str, english: Mapping[str, str] | None = None) -> str:
    """Events by municipality: a circle per municipality with events, placed at its
    shipped centroid (an equirectangular sketch of Okinawa's main island and the
    host cities elsewhere). The page lists every municipality's count beside it, those
    without a shipped centroid included."""
    centroids = shipped()
    placed = {c: n for c, n in counts.items() if c in centroids}
    width, height = 640, 480
    lons = [centroids[c][0] for c in placed] or [127.6, 128.3]
    lats = [centroids[c][1] for c in placed] or [26.0, 26.9]
    x0, x1 = min(lons) - 0.2, max(lons) + 0.2
    y0, y1 = min(lats) - 0.2, max(lats) + 0.2
    scale = min(width / (x1 - x0), height / (y1 - y0))
    title = "市町村別の事案" if lang == "ja" else "Events by municipality"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<rect width="{width}" height="{height}" fill="#eef4f8"/>',
    ]
    for code, n in sorted(placed.items()):
        lon, lat = centroids[code]
        x = (lon - x0) * scale
        y = height - (lat - y0) * scale
        r = 6 + 4 * n**0.5
        name = municipality_name(code, lang, english)
        parts.append(
            f'<g class="municipality" data-code="{code}" data-count="{n}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#c0392b" fill-opacity="0.6"/>'
            f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="12">'
            f"{escape(name)} {n}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def chart_svg(by_month_kind: dict[tuple[str, str], int], lang: str) -> str:
    """The monthly chart: a stacked bar per month, a colour per kind."""
    months = sorted({m for m, _ in by_month_kind})
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf"]  # fmt: skip
    width, height, bottom = 640, 320, 40
    top = max(
        (sum(n for (m, _), n in by_month_kind.items() if m == month) for month in months), default=1
    )
    bar = (width - 160) / max(len(months), 1)
    title = "月別・種類別の件数" if lang == "ja" else "Events by month and kind"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for i, month in enumerate(months):
        y = float(height - bottom)
        for j, kind in enumerate(KINDS):
            n = by_month_kind.get((month, kind), 0)
            if not n:
                continue
            h = (height - bottom - 20) * n / top
            y -= h
            parts.append(
                f'<rect class="bar" data-month="{month}" data-kind="{kind}" data-count="{n}" '
                f'x="{10 + i * bar:.1f}" y="{y:.1f}" width="{bar * 0.8:.1f}" height="{h:.1f}" '
                f'fill="{colours[j % len(colours)]}">'
                # Each bar says its figure on hover; the tables below give them all.
                f"<title>{month} · {escape(kind_name(kind, lang))}: {n}</title></rect>"
            )
        parts.append(
            f'<text x="{10 + i * bar:.1f}" y="{height - bottom + 16}" font-size="11">{month}</text>'
        )
    for j, kind in enumerate(KINDS):
        parts.append(
            f'<rect x="{width - 145}" y="{10 + j * 16}" width="10" height="10" '
            f'fill="{colours[j % len(colours)]}"/><text x="{width - 130}" y="{19 + j * 16}" '
            f'font-size="10">{escape(kind_name(kind, lang))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
