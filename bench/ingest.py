"""Importing official summaries against SudachiPy tokenization of the same text.

200 synthetic summaries in the seed's form (other dates, times, attendees, and the
seed's items shuffled between sections) are, in the same run:

- tokenized by SudachiPy alone, line by line as the importer does (the reference);
- parsed: decode, normalize, quality report, structure and decisions (nothing written);
- written: the parsed records stored on a fresh node (store writes, audit,
  restatement lookup through the index), one transaction each;
- imported: parsed and written to another fresh node, as `kizuna ingest` does.

The nodes are SQLite databases, or PostgreSQL ones with `--db postgresql`.

Headline ratio = import time / tokenization time (target <= 3). The parse-only and
write-only ratios are reported beside it, measured in the same run.

Then one document of 1 MB (the seed's items repeated under numbered sections, UTF-8)
is parsed, nothing written: the importer's bound on a document's time (target < 5 s),
with SudachiPy's tokenization of the same text beside it, since the machine's load
moves both.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _common import DbKind, console, rich_table, temp_database, write_result
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.domains.meetings import service
from kizuna.domains.meetings.ingest import read_summary
from kizuna.domains.meetings.ingest.morph import tokenize
from kizuna.runtime import Node

DOCUMENTS = 200
TARGET = 3.0
MEGABYTE = 1_000_000
MEGABYTE_TARGET_S = 5.0
SEED_TEXT = (
    resources.files("kizuna.data").joinpath("seed/scc-2024-07-28-summary.ja.txt").read_text()
)
_NAMES = ["上川陽子", "木原稔", "山田太郎", "鈴木花子", "佐藤一郎", "高橋直子", "田中実", "伊藤光"]


def synthetic(rng: random.Random, n: int) -> str:
    """A summary in the seed's form with its own date, time, people and item order."""
    lines = SEED_TEXT.split("\n")
    items = [i for i, line in enumerate(lines) if line.startswith("- (")]
    bodies = [re.sub(r"^- \(\d+\) ", "", lines[i]) for i in items]
    rng.shuffle(bodies)
    for i, body in zip(items, bodies, strict=True):
        number = re.match(r"^- \((\d+)\)", lines[i])
        assert number is not None
        lines[i] = f"- ({number.group(1)}) {body}"
    text = "\n".join(lines)
    year = 1 + n % 7
    text = text.replace("令和6年7月28日", f"令和{year}年{1 + n % 12}月{1 + n % 28}日", 1)
    text = text.replace("午後3時15分", f"午後{1 + n % 5}時{n % 60}分", 1)
    a, b = rng.sample(_NAMES, 2)
    return text.replace("上川陽子", a, 1).replace("木原稔", b, 1)


def megabyte_document() -> str:
    """About 1 MB of summary: the seed's heading, then its items under section after
    section (each section numbered, items (1)…(9))."""
    lines = SEED_TEXT.split("\n")
    items = [re.sub(r"^- \(\d+\) ", "", line) for line in lines if line.startswith("- (")]
    out = ["\n".join(lines[:8])]
    size, section = len(out[0].encode()), 0
    while size < MEGABYTE:
        section += 1
        block = f"\n{section % 99 + 1} 総論\n" + "\n".join(
            f"- ({i + 1}) {body}" for i, body in enumerate(items[:9])
        )
        out.append(block)
        size += len(block.encode()) + 1
    return "\n".join(out)


def megabyte() -> tuple[int, float, float]:
    """(bytes, parse seconds, tokenization seconds) of the 1 MB document."""
    text = megabyte_document()
    data = text.encode()
    start = time.perf_counter()
    for line in text.split("\n"):
        tokenize(line)
    tok_s = time.perf_counter() - start
    start = time.perf_counter()
    read_summary(data, "ja")
    return len(data), time.perf_counter() - start, tok_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    kind: DbKind = parser.parse_args().db
    rng = random.Random(20240728)
    texts = [synthetic(rng, n) for n in range(DOCUMENTS)]
    blobs = [t.encode("utf-8") for t in texts]
    chars = sum(len(t) for t in texts)
    tokenize("準備")  # load the dictionary outside the timings

    def tokenization() -> float:
        start = time.perf_counter()
        for t in texts:
            for line in t.split("\n"):
                tokenize(line)
        return time.perf_counter() - start

    # The reference is the best of three: one pass swung from 1.2 to 2.0 s between
    # runs, and the headline with it. The best makes the ratio the harder one to meet.
    tok_s = min(tokenization() for _ in range(3))

    start = time.perf_counter()
    records = [read_summary(b, "ja") for b in blobs]
    parse_s = time.perf_counter() - start

    def on_fresh_node(write: Callable[[Node], int]) -> tuple[float, int]:
        with temp_database(kind, prefix="kizuna_bench_ingest") as (url, workdir):
            settings = Settings(database_url=url, key_file=workdir / "node.pem")  # type: ignore[call-arg]
            initialize(settings, nation="JPN")
            node = open_node(settings)
            try:
                start = time.perf_counter()
                created = write(node)
                return time.perf_counter() - start, created
            finally:
                node.db.dispose()

    write_s, _ = on_fresh_node(
        lambda node: sum(service.store_record(node, node.system, r).created for r in records)
    )
    import_s, created = on_fresh_node(
        lambda node: sum(
            service.import_summary(node, node.system, b, lang="ja").created for b in blobs
        )
    )

    rows = [
        ("SudachiPy tokenization (reference)", tok_s),
        ("parse (decode, normalize, quality, decisions)", parse_s),
        (f"write only (parsed records -> {kind})", write_s),
        (f"import (parse + {kind} write)", import_s),
    ]
    table = rich_table(
        f"{DOCUMENTS} synthetic summaries, {chars:,} characters",
        ["step", "seconds", "documents/s", "characters/s", "x tokenization"],
        [
            (name, f"{s:.2f}", f"{DOCUMENTS / s:,.1f}", f"{chars / s:,.0f}", f"{s / tok_s:.2f}")
            for name, s in rows
        ],
    )
    out = console()
    out.print(table)
    ratio = import_s / tok_s
    mb_bytes, mb_parse_s, mb_tok_s = megabyte()
    out.print(
        f"headline: import / tokenization = {ratio:.2f} (target <= {TARGET}); "
        f"parse only = {parse_s / tok_s:.2f}; write only = {write_s / tok_s:.2f} "
        f"({write_s / created * 1000:.2f} ms per object); objects written: {created:,}"
    )
    out.print(
        f"1 MB: {mb_bytes:,} bytes parse in {mb_parse_s:.2f} s (target < {MEGABYTE_TARGET_S} s); "
        f"SudachiPy alone on the same text: {mb_tok_s:.2f} s"
    )
    write_result(
        "ingest",
        {
            "database": kind,
            "documents": DOCUMENTS,
            "characters": chars,
            "seconds": {
                "tokenize": tok_s,
                "parse": parse_s,
                "write": write_s,
                "import": import_s,
            },
            "objects_written": created,
            "megabyte": {
                "bytes": mb_bytes,
                "parse_s": round(mb_parse_s, 3),
                "tokenize_s": round(mb_tok_s, 3),
                "target_s": MEGABYTE_TARGET_S,
            },
            "summary": {
                "ratio": round(ratio, 3),
                "target": TARGET,
                "parse_ratio": round(parse_s / tok_s, 3),
                "write_ratio": round(write_s / tok_s, 3),
            },
        },
    )


if __name__ == "__main__":
    main()
