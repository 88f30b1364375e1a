"""The report of bench/federation.py: its figures as tables on the console."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from _common import rich_table


def print_database(
    out: Console,
    kind: str,
    res: dict[str, Any],
    args: argparse.Namespace,
    *,
    page: int,
    target: float,
    lag_target_ms: float,
) -> None:
    """The tables of one database kind's run: the load, the interleaved passes, the
    headline ratio, where an in-process sync spends its time, and the lag."""
    out.print(
        rich_table(
            f"{kind}: JPN loaded through Store.create_in (STIX validation, marking, audit)",
            ["objects", "seconds", "objects/s", "releasable to USA (SECRET//BIAC/CYBER)"],
            [
                [
                    f"{res['objects_on_jpn']:,}",
                    f"{res['load']['seconds']:.1f}",
                    f"{res['load']['objects_per_s']:,.0f}",
                    f"{res['releasable']:,}",
                ]
            ],
        )
    )
    rows = []
    for i, ref in enumerate(res["references"]):
        rows.append(
            [
                f"reference {i + 1}: paging, raw HTTP",
                f"{ref['raw_seconds']:.2f}",
                f"{ref['raw_objects_per_s']:,.0f}",
                f"{ref['bytes'] / 2**20:,.1f} MiB",
            ]
        )
        rows.append(
            [
                f"reference {i + 1}: paging, taxii2-client",
                f"{ref['client_seconds']:.2f}",
                f"{ref['client_objects_per_s']:,.0f}",
                "ids checked",
            ]
        )
        if i < len(res["syncs"]):
            s = res["syncs"][i]
            rows.append(
                [
                    f"sync {i + 1}: USA serve spawned -> holds all",
                    f"{s['seconds']:.2f}",
                    f"{s['objects_per_s']:,.0f}",
                    f"listening {s['listening_s']:.2f} s, first object "
                    f"{s['first_object_s']:.2f} s; "
                    f"{s['objects_per_s_after_listening']:,.0f} obj/s after listening",
                ]
            )
    out.print(
        rich_table(
            f"{kind}: {res['releasable']:,} releasable objects, JPN -> USA, limit {page}; "
            "reference and sync interleaved",
            ["pass", "seconds", "objects/s", "note"],
            rows,
        )
    )
    out.print(
        rich_table(
            f"{kind}: initial sync ÷ plain paging (medians; target >= {target})",
            ["sync obj/s", "paging raw obj/s", "ratio", "paging taxii2-client obj/s", "ratio"],
            [
                [
                    f"{res['sync_objects_per_s']:,.0f}",
                    f"{res['paging_objects_per_s']:,.0f}",
                    f"{res['ratio']:.2f}",
                    f"{res['paging_client_objects_per_s']:,.0f}",
                    f"{res['ratio_vs_client']:.2f}",
                ]
            ],
        )
    )
    bd = res["breakdown"]
    if bd:
        profiled = " under cProfile" if args.profile else ""
        title = (
            f"{kind}: where an in-process sync{profiled} spends its time "
            f"({bd['objects']:,} objects, {bd['pages']} pages, {bd['seconds']:.1f} s, "
            f"{bd['objects_per_s']:,.0f} obj/s)"
        )
        out.print(
            rich_table(
                title,
                ["phase", "seconds", "share", "µs/object"],
                [
                    [
                        name,
                        f"{sec:.2f}",
                        f"{100 * sec / bd['seconds']:.0f} %",
                        f"{1e6 * sec / bd['objects']:,.0f}",
                    ]
                    for name, sec in bd["phases_s"].items()
                ],
            )
        )
        if "profile_top_tottime" in bd:
            out.print(bd["profile_top_tottime"], markup=False, highlight=False)
    lag = res["lag"]
    names = {
        "hints": "push hints (default)",
        "timer_only": f"no hints, timer every {args.pull_seconds} s",
    }
    out.print(
        rich_table(
            f"{kind}: lag from commit on JPN to visible on USA, ms (target p50 < "
            f"{lag_target_ms:,.0f} with hints)",
            ["mode", "objects", "rate/s", "p50", "p99", "max", "min", "missing"],
            [
                [
                    names[k],
                    str(v["objects"]),
                    f"{v['rate_per_s']:g}",
                    f"{v['p50_ms']:,.0f}",
                    f"{v['p99_ms']:,.0f}",
                    f"{v['max_ms']:,.0f}",
                    f"{v['min_ms']:,.0f}",
                    str(v["missing_after_60s"]),
                ]
                for k, v in lag.items()
            ],
        )
    )
