"""The regions drawn as an SVG map, on the server, from their GeoJSON outlines: no
tiles, no script, nothing loaded from outside the node.

Longitude and latitude are projected plate carrée, with longitude shortened by the
cosine of the middle latitude so that Japan keeps its shape. A region is shaded by
the most urgent determination in force there among those given, which are the ones
the reader may read: the map tells nothing the determinations list does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

from markupsafe import Markup, escape

from kizuna.domains.coordination.structure import Region, Structure

__all__ = ["region_map"]

WIDTH = 640
MARGIN = 8


class InForce(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def regions(self) -> list[str]: ...


def _rings(region: Region) -> Iterable[Sequence[Sequence[float]]]:
    outline = region.outline or {}
    coordinates = outline.get("coordinates", [])
    polygons = [coordinates] if outline.get("type") == "Polygon" else coordinates
    for polygon in polygons:
        yield from polygon


def region_map(structure: Structure, in_force: Iterable[InForce], lang: str) -> Markup:
    regions = [r for r in structure.regions.values() if r.outline]
    if not regions:
        return Markup("")
    points = [p for r in regions for ring in _rings(r) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * MARGIN) / max((east - west) * squeeze, 1e-9)
    height = round((north - south) * scale + 2 * MARGIN)

    def xy(point: Sequence[float]) -> str:
        x = MARGIN + (point[0] - west) * squeeze * scale
        y = MARGIN + (north - point[1]) * scale
        return f"{x:.1f},{y:.1f}"

    # The most urgent determination in force per region (the shortest deadline).
    urgent: dict[str, list[str]] = {}
    for d in in_force:
        for region_id in d.regions:
            urgent.setdefault(region_id, []).append(d.kind)
    title = "地域と各国の事態認定" if lang == "ja" else "Regions and each nation's determinations"
    parts = [
        Markup(
            '<svg class="region-map" viewBox="0 0 {w} {h}" role="img" '
            'aria-labelledby="region-map-title" xmlns="http://www.w3.org/2000/svg">'
            '<title id="region-map-title">{t}</title>'
        ).format(w=WIDTH, h=height, t=title)
    ]
    # Sea and air areas under the land, so that islands stay visible.
    order = {"air": 0, "sea": 1, "land": 2}
    for region in sorted(regions, key=lambda r: order.get(r.kind, 3)):
        kinds = [
            structure.determinations[k]
            for k in urgent.get(region.id, [])
            if k in structure.determinations
        ]
        level = ""
        if kinds:
            hours = min(k.hours for k in kinds)
            level = " det-urgent" if hours <= 2 else " det-raised"
        path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in _rings(region))
        said = region.name(lang)
        if kinds:
            said += ": " + ", ".join(k.name(lang) for k in kinds)
        parts.append(
            Markup(
                '<path class="region region-{kind}{level}" data-region="{id}" d="{d}">'
                "<title>{said}</title></path>"
            ).format(kind=region.kind, level=level, id=region.id, d=path, said=escape(said))
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
