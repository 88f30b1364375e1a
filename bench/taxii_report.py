"""The report of bench/taxii.py: its figures as tables on the console."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from _common import rich_table


@dataclass(frozen=True)
class Shape:
    """What the tables name besides the figures: the run's page sizes and targets."""

    page: int
    small_page: int
    target: float
    medallion_size: int
    medallion_target: float


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f}"


def print_database(
    out: Console, kind: str, result: dict[str, Any], sizes: Sequence[int], shape: Shape
) -> None:
    """The tables of one database kind's run: the loads, the full passes against the
    ceiling, the small pages under concurrent clients, and medallion."""
    out.print(
        rich_table(
            f"{kind}: loading through Store.create_in (STIX validation, marking, audit)",
            ["objects", "added", "seconds", "objects/s"],
            [
                [
                    f"{ld['upto']:,}",
                    f"{ld['objects']:,}",
                    f"{ld['seconds']:.1f}",
                    f"{ld['objects_per_s']:,.0f}",
                ]
                for ld in result["loads"]
            ],
        )
    )
    rows = []
    for s in result["stages"]:
        k, c = s["kizuna_pass"], s["ceiling_pass"]
        rows.append(
            [
                f"{s['objects']:,}" + ("" if s["objects"] in sizes else " (not headline)"),
                f"{s['reader']['objects_delivered']:,} ({100 * s['reader']['share']:.1f} %)",
                f"{k['p50_ms']:,.0f} ({k['runs']})",
                f"{s['kizuna_objects_per_s']:,.0f}",
                f"{s['rows_read_by_ceiling']:,}",
                f"{c['p50_ms']:,.0f} ({c['runs']})",
                f"{s['ceiling_objects_per_s']:,.0f}",
                f"{s['ratio']:.2f}",
                f"{s['store_feed_objects_per_s']:,.0f}",
                f"{s['taxii2_client_pass']['objects_per_s']:,.0f}",
            ]
        )
    out.print(
        rich_table(
            f"{kind}: full pass, limit {shape.page}; Kizuna over HTTP as the reader vs. the "
            f"ceiling (target ratio >= {shape.target})",
            [
                "objects",
                "reader gets (share)",
                "Kizuna pass ms p50 (runs)",
                "Kizuna obj/s",
                "ceiling rows",
                "ceiling pass ms p50 (runs)",
                "ceiling obj/s",
                "ratio",
                "store feed() obj/s, no HTTP",
                "taxii2-client obj/s",
            ],
            rows,
        )
    )
    out.print(
        rich_table(
            f"{kind}: GET limit={shape.small_page} as the reader, ms; server memory, MiB",
            [
                "objects",
                "clients",
                "requests",
                "p50",
                "p99",
                "max",
                "req/s",
                "RSS start",
                "RSS end",
                "peak",
            ],
            [
                [
                    f"{s['objects']:,}",
                    str(lat["clients"]),
                    f"{lat['runs']:,}",
                    f"{lat['p50_ms']:.1f}",
                    f"{lat['p99_ms']:.1f}",
                    f"{lat['max_ms']:.1f}",
                    f"{lat['requests_per_s']:,.0f}",
                    *(
                        (_mib(m["rss_after_start"]), _mib(m["rss_after_stage"]), _mib(m["peak"]))
                        if i == 0
                        else ("", "", "")
                    ),
                ]
                for s in result["stages"]
                for i, lat in enumerate(s["latency"])
                for m in [s["server_memory_kib"]]
            ],
        )
    )
    for s in result["stages"]:
        med = s["medallion"]
        if med is None:
            continue
        names = {
            "kizuna_reader": f"Kizuna ({kind}), reader who sees about half",
            "kizuna_admin": f"Kizuna ({kind}), admin who sees everything",
            "medallion": f"medallion {med['version']}, memory backend",
        }
        out.print(
            rich_table(
                f"{kind}: the same {shape.medallion_size:,} indicators, full pass at limit "
                f"{shape.page} (expected Kizuna ÷ medallion >= {shape.medallion_target:.0f})",
                ["server", "objects", "pass ms p50", "p99", "runs", "obj/s", "÷ medallion"],
                [
                    [
                        name,
                        f"{med['objects_delivered'][key]:,}",
                        f"{med['passes'][key]['p50_ms']:,.1f}",
                        f"{med['passes'][key]['p99_ms']:,.1f}",
                        str(med["passes"][key]["runs"]),
                        f"{med['objects_per_s'][key]:,.0f}",
                        f"{med['objects_per_s'][key] / med['objects_per_s']['medallion']:,.1f}",
                    ]
                    for key, name in names.items()
                ],
            )
        )
        mm = med["medallion_memory_kib"]
        out.print(
            f"medallion memory: RSS {_mib(mm['rss_after_start'])} MiB after start, "
            f"peak {_mib(mm['peak'])} MiB"
        )
