"""Verification of the whole log: the chain, the head, the signed checkpoints held
here and elsewhere, and whether checkpoints were signed when they were due.

What it proves, and against whom:
- an edited, deleted, swapped or inserted entry breaks the chain or the head;
- a consistently recomputed chain disagrees with a signed checkpoint: one held here,
  one a peer witnessed (`Witness`, fetched over the peering link), or one in an
  exported file kept offline; an attacker without the node key can forge none;
- a truncated log ends below a signed checkpoint;
- a stripped log (checkpoints deleted) leaves entries that were written while the
  node was serving without a checkpoint signed within two intervals.

Serving periods are recorded in the log itself (`node.serve.start`/`stop`, each
signed at once, see `checkpoints.serving`). An entry written while serving must be
covered by a checkpoint signed within two intervals of it; an entry written while
the node was not serving (the command line on a stopped node), by one signed within
two intervals of the next start. A period that ended without a stop (a crash) ends
at its last checkpoint. The limit: an attacker who strips the checkpoints *and* the
serving records and recomputes the chain leaves a log that looks as if it never
served; only a witness (a peer, an exported file) can then tell, which is why
`verify --peers` and `verify --checkpoints` exist.

Every finding names the first entry that is, or may be, bad.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select

from kizuna import clock
from kizuna.audit.checkpoints import (
    SERVE_START,
    SERVE_STOP,
    Checkpoint,
    checkpoint,
    checkpoint_payload,
    signed_by,
    stored,
)
from kizuna.audit.log import GENESIS, entry_hash, stream
from kizuna.db.schema import audit_head, audit_log

__all__ = [
    "Checkpoint",
    "Finding",
    "Report",
    "Witness",
    "checkpoint",
    "checkpoint_payload",
    "verify",
]


@dataclass(frozen=True)
class Finding:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.reason}"


@dataclass(frozen=True)
class Witness:
    """Checkpoints of this node's log kept elsewhere: by a peer, or in a file."""

    source: str
    checkpoints: Sequence[Checkpoint]


@dataclass(frozen=True)
class Report:
    entries: int
    checkpoints: int
    findings: tuple[Finding, ...] = ()
    witnessed: int = 0

    @property
    def finding(self) -> Finding | None:
        """The first bad entry, when there is one."""
        return min(self.findings, key=lambda f: f.seq) if self.findings else None

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class _Walk:
    """Where the walk along the chain got to."""

    count: int = 0
    prev_hash: str = GENESIS
    finding: Finding | None = None
    uncovered: Finding | None = None
    hashes_at: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Period:
    first: int  # seq of its start entry
    start_at: str
    last: int | None  # seq of its last entry; None while it lasts
    end_at: str | None  # when it ended; None while it lasts


class _Deadlines:
    """When each entry must have been signed by, from the serving periods."""

    def __init__(self, marks: list[Any], points: list[Checkpoint], interval: float) -> None:
        self.grace = timedelta(seconds=2 * interval)
        self.periods: list[_Period] = []
        for i, mark in enumerate(marks):
            if mark.action != SERVE_START:
                continue
            after = marks[i + 1] if i + 1 < len(marks) else None
            if after is None:
                self.periods.append(_Period(mark.seq, mark.at, None, None))
            elif after.action == SERVE_STOP:
                self.periods.append(_Period(mark.seq, mark.at, after.seq, after.at))
            else:  # started again without a stop: it crashed after its last checkpoint
                inside = [p.at for p in points if mark.seq <= p.seq < after.seq]
                ended = inside[-1] if inside else mark.at
                self.periods.append(_Period(mark.seq, mark.at, after.seq - 1, ended))
        self.firsts = [p.first for p in self.periods]

    def of(self, seq: int, at: str) -> tuple[datetime, bool] | None:
        """(deadline, written while serving), or None: no checkpoint is due yet."""
        i = bisect.bisect_right(self.firsts, seq) - 1
        if i >= 0:
            period = self.periods[i]
            inside = period.last is None or seq <= period.last
            if inside and (period.end_at is None or at <= period.end_at):
                return clock.parse_ts(at) + self.grace, True
        if i + 1 < len(self.periods):
            return clock.parse_ts(self.periods[i + 1].start_at) + self.grace, False
        return None


def _walk(
    rows: Iterator[Any],
    wanted: set[int],
    points: list[Checkpoint],
    deadlines: _Deadlines | None,
    now: datetime,
) -> _Walk:
    walk = _Walk()
    cover = 0  # index of the first checkpoint at or after the current entry
    for row in rows:
        expected = walk.count + 1
        if row.seq != expected:
            walk.finding = Finding(expected, "is missing (deleted)")
            return walk
        recomputed = entry_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            walk.finding = Finding(row.seq, "content does not match its hash (edited)")
            return walk
        if row.prev_hash != walk.prev_hash:
            walk.finding = Finding(
                row.seq, f"does not follow entry {row.seq - 1} (reordered or inserted)"
            )
            return walk
        if row.seq in wanted:
            walk.hashes_at[row.seq] = row.hash
        if deadlines is not None and walk.uncovered is None:
            while cover < len(points) and points[cover].seq < row.seq:
                cover += 1
            walk.uncovered = _late(
                row, points[cover] if cover < len(points) else None, deadlines, now
            )
        walk.prev_hash = row.hash
        walk.count += 1
    return walk


def _late(
    row: Any, first: Checkpoint | None, deadlines: _Deadlines, now: datetime
) -> Finding | None:
    due = deadlines.of(row.seq, row.at)
    if due is None or due[0] >= now:
        return None
    deadline, while_serving = due
    if first is not None and clock.parse_ts(first.at) <= deadline:
        return None
    when = "while the node was serving" if while_serving else "before the node next served"
    return Finding(
        row.seq,
        f"no signed checkpoint covers it within two checkpoint intervals ({when}): "
        "checkpoints were deleted, or the log was rewritten",
    )


def verify(
    conn: Connection,
    public_key: Ed25519PublicKey,
    *,
    interval: float | None = None,
    witnesses: Sequence[Witness] = (),
) -> Report:
    """Walk the chain from the first entry; report every problem found, each naming
    the first entry it concerns. With `interval` (seconds between checkpoints while
    serving), also report entries left unsigned too long; with `witnesses`, compare
    the log with the checkpoints kept elsewhere."""
    points = stored(conn)
    valid = [p for p in points if signed_by(p, public_key)]
    findings = [
        Finding(p.seq, "its checkpoint signature does not verify") for p in points if p not in valid
    ]
    wanted = {p.seq for p in points} | {c.seq for w in witnesses for c in w.checkpoints}
    deadlines = None
    if interval is not None:
        marks = conn.execute(
            select(audit_log.c.seq, audit_log.c.at, audit_log.c.action)
            .where(audit_log.c.action.in_([SERVE_START, SERVE_STOP]))
            .order_by(audit_log.c.seq)
        ).all()
        deadlines = _Deadlines(list(marks), valid, interval)
    with closing(stream(conn)) as rows:
        walk = _walk(rows, wanted, valid, deadlines, clock.now())
    witnessed = sum(len(w.checkpoints) for w in witnesses)

    def report(found: list[Finding]) -> Report:
        return Report(walk.count, len(points), tuple(sorted(found, key=lambda f: f.seq)), witnessed)

    if walk.finding is not None:
        return report([walk.finding])
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is not None:
        if head.seq > walk.count:
            findings.append(Finding(walk.count + 1, "is missing (deleted from the end)"))
        elif head.seq < walk.count:
            findings.append(Finding(head.seq + 1, "is not recorded in the head (inserted)"))
        elif head.hash != walk.prev_hash:
            findings.append(Finding(walk.count, "differs from the head (edited)"))
    held = [("a signed checkpoint", p) for p in valid]
    local = {p.seq for p in points}
    for witness in witnesses:
        deleted = 0
        for point in witness.checkpoints:
            if not signed_by(point, public_key):
                findings.append(
                    Finding(
                        point.seq,
                        f"the checkpoint {witness.source} holds is not signed by this node's key",
                    )
                )
                continue
            held.append((f"the checkpoint {witness.source} holds", point))
            if point.seq not in local and point.seq <= walk.count and not deleted:
                deleted += 1  # the first deleted checkpoint stands for the others
                findings.append(
                    Finding(
                        point.seq,
                        f"its signed checkpoint was deleted here ({witness.source} holds it)",
                    )
                )
    findings += _against(held, walk)
    if walk.uncovered is not None:
        findings.append(walk.uncovered)
    # One problem seen by several sources is one finding, named by the first.
    unique = {(f.seq, f.reason): f for f in findings}
    return report(list(unique.values()))


def _against(held: list[tuple[str, Checkpoint]], walk: _Walk) -> list[Finding]:
    """Each signed checkpoint against the log: the log must reach it and agree. Per
    source, the first disagreement and the furthest checkpoint past the end stand for
    the rest (a rewrite shows in every later checkpoint too)."""
    agreeing = sorted(p.seq for _, p in held if walk.hashes_at.get(p.seq) == p.hash)
    rewritten: dict[str, Finding] = {}
    truncated: dict[str, Finding] = {}
    for source, point in sorted(held, key=lambda h: h[1].seq):
        if point.seq > walk.count:
            truncated[source] = Finding(
                walk.count + 1,
                f"is missing: the log ends at entry {walk.count} but "
                f"{source} covers entry {point.seq} (truncated)",
            )
        elif walk.hashes_at.get(point.seq) != point.hash and source not in rewritten:
            i = bisect.bisect_left(agreeing, point.seq)
            since = agreeing[i - 1] if i else 0
            rewritten[source] = Finding(
                since + 1,
                f"the log from here to entry {point.seq} differs from "
                f"{source} at entry {point.seq} (rewritten)",
            )
    return [*rewritten.values(), *truncated.values()]
