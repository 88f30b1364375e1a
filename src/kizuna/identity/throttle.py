"""The sign-in throttle: failures counted per (name as typed, client address).

Keyed on both, so that a stranger failing from another address never slows the user
down (no one can lock a named user out from elsewhere), and counted for names that
do not exist exactly as for names that do, so that the throttle's answer and its
timing never tell the two apart. Past `FREE_ATTEMPTS` failures each further attempt
from that address waits longer (doubling, at most `MAX_DELAY_SECONDS`); an
administrator's unlock clears every address of a user at once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from kizuna import clock
from kizuna.identity.schema import login_throttle

__all__ = ["FREE_ATTEMPTS", "MAX_DELAY_SECONDS", "clear", "delay", "fail", "remaining", "unlock"]

FREE_ATTEMPTS = 5
MAX_DELAY_SECONDS = 900
# Rows older than this are forgotten: the longest delay is long past by then.
_FORGET = timedelta(days=1)


def _key(username: str, source: str) -> tuple[str, str]:
    return username[:128], source[:64]


def delay(failures: int) -> int:
    """Seconds to wait after `failures` failures: none for the first few, then doubling."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS))


def remaining(conn: Connection, username: str, source: str) -> tuple[int, int]:
    """(seconds still to wait, failures so far) for this name from this address."""
    name, src = _key(username, source)
    row = conn.execute(
        select(login_throttle.c.failures, login_throttle.c.last_failed_at).where(
            login_throttle.c.username == name, login_throttle.c.source == src
        )
    ).first()
    if row is None:
        return 0, 0
    wait = delay(row.failures)
    if not wait:
        return 0, row.failures
    ready = clock.parse_ts(row.last_failed_at) + timedelta(seconds=wait)
    left = int((ready - clock.now()).total_seconds()) + 1
    return max(left, 0), row.failures


def fail(conn: Connection, username: str, source: str) -> int:
    """Count one more failure; returns the count. One statement (an upsert), so that
    concurrent failures from one address neither collide nor get lost."""
    name, src = _key(username, source)
    now = clock.now()
    conn.execute(
        delete(login_throttle).where(
            login_throttle.c.last_failed_at < clock.format_ts(now - _FORGET)
        )
    )
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stamp = clock.format_ts(now)
    upsert = dialect.insert(login_throttle).values(
        username=name, source=src, failures=1, last_failed_at=stamp
    )
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[login_throttle.c.username, login_throttle.c.source],
            set_={"failures": login_throttle.c.failures + 1, "last_failed_at": stamp},
        )
    )
    return int(
        conn.execute(
            select(login_throttle.c.failures).where(
                login_throttle.c.username == name, login_throttle.c.source == src
            )
        ).scalar_one()
    )


def clear(conn: Connection, username: str, source: str) -> None:
    """A successful sign-in from this address starts its count again."""
    name, src = _key(username, source)
    conn.execute(
        delete(login_throttle).where(
            login_throttle.c.username == name, login_throttle.c.source == src
        )
    )


def unlock(conn: Connection, username: str) -> int:
    """Forget every address's failures for this name; returns how many were held."""
    return int(
        conn.execute(
            delete(login_throttle).where(login_throttle.c.username == username[:128])
        ).rowcount
        or 0
    )
