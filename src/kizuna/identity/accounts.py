"""The life cycle of an account: list, deactivate, reactivate, a new password, unlock,
and the user's API tokens (list, revoke).

Each function is one action in the caller's write transaction with its audit entry.
Deactivation and a new password end every session and revoke every token of the user
at once, and bump the user's generation, so that a sign-in remembered anywhere (the
TAXII Basic cache of every worker) stops counting on its next use. An unknown user is
`NotFound`; a change that changes nothing (deactivating an inactive user) is `Conflict`;
an administrator deactivating their own account is `OwnAccount`.

An administrator acting through the node (`reach`: their clearance) manages only the
accounts their clearance covers: a level no higher, no compartment they do not hold.
Otherwise a CONFIDENTIAL administrator could set a TOP SECRET user's password, sign in
as that user and read all they read (walk 43). The command line passes none: its
operator holds the node's database already.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from argon2 import PasswordHasher
from sqlalchemy import Connection, func, select, update

from kizuna import audit, clock
from kizuna.errors import Conflict, Invalid, NotFound, Refused
from kizuna.identity import throttle
from kizuna.identity.schema import api_tokens, login_throttle, sessions, users
from kizuna.identity.service import (
    check_compartments,
    check_level,
    check_password,
    check_roles,
)
from kizuna.labels import Clearance, Policy

__all__ = [
    "AboveReach",
    "Account",
    "OwnAccount",
    "TokenInfo",
    "change",
    "deactivate",
    "list_accounts",
    "list_tokens",
    "reactivate",
    "revoke_token",
    "set_password",
    "set_zone",
    "token_owner",
    "unlock",
    "zones",
]

_hasher = PasswordHasher()


class OwnAccount(Invalid):
    """An action an administrator may not take on their own account: it would end the
    session they act in, and might leave the node without an administrator."""


class AboveReach(Refused):
    """An account cleared above the administrator who would manage it."""


def _covers(reach: Clearance, rank: int, compartments: str) -> bool:
    held = frozenset(c for c in compartments.split(",") if c)
    return rank <= reach.rank and held <= reach.compartments


def _within(reach: Clearance | None, actor: str, row: Any, action: str) -> None:
    if reach is None or _covers(reach, row.clearance_rank, row.compartments):
        return
    raise AboveReach(
        f"{actor} may not manage {row.username}, who is cleared above them: an "
        "administrator manages only accounts their own clearance covers",
        field="username",
        action=action,
        target=row.username,
    )


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    nation: str
    clearance_rank: int
    compartments: str
    roles: str
    bodies: str
    active: bool
    created_at: str
    # Addresses from which sign-in under this name is being slowed down now.
    throttled_sources: int
    sessions: int
    tokens: int

    def within(self, reach: Clearance) -> bool:
        """Whether an administrator cleared to `reach` may manage this account."""
        return _covers(reach, self.clearance_rank, self.compartments)


@dataclass(frozen=True)
class TokenInfo:
    prefix: str
    username: str
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if not self.expires_at or self.expires_at <= clock.now_ts():
            return "expired"
        return "active"


def list_accounts(conn: Connection) -> list[Account]:
    """Every user with what holds them signed in; no passwords, no token digests."""
    now = clock.now_ts()
    live_sessions = (
        select(func.count())
        .where(sessions.c.user_pk == users.c.pk, sessions.c.expires_at > now)
        .scalar_subquery()
    )
    live_tokens = (
        select(func.count())
        .where(
            api_tokens.c.user_pk == users.c.pk,
            api_tokens.c.revoked_at.is_(None),
            api_tokens.c.expires_at > now,
        )
        .scalar_subquery()
    )
    throttled = (
        select(func.count())
        .where(
            login_throttle.c.username == users.c.username,
            login_throttle.c.failures >= throttle.FREE_ATTEMPTS,
        )
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            users,
            live_sessions.label("n_sessions"),
            live_tokens.label("n_tokens"),
            throttled.label("n_throttled"),
        ).order_by(users.c.username)
    ).all()
    return [
        Account(
            username=r.username,
            display_name=r.display_name,
            nation=r.nation,
            clearance_rank=r.clearance_rank,
            compartments=r.compartments,
            roles=r.roles,
            bodies=r.bodies,
            active=bool(r.active),
            created_at=r.created_at,
            throttled_sources=int(r.n_throttled),
            sessions=int(r.n_sessions),
            tokens=int(r.n_tokens),
        )
        for r in rows
    ]


def _row(conn: Connection, username: str) -> Any:
    row = conn.execute(select(users).where(users.c.username == username).with_for_update()).first()
    if row is None:
        raise NotFound(f"no user {username}", field="username")
    return row


def _cut_off(conn: Connection, pk: int) -> tuple[int, int]:
    """End every session and revoke every live token; bump the generation."""
    ended = conn.execute(sessions.delete().where(sessions.c.user_pk == pk)).rowcount or 0
    revoked = (
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_pk == pk, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=clock.now_ts())
        ).rowcount
        or 0
    )
    conn.execute(update(users).where(users.c.pk == pk).values(generation=users.c.generation + 1))
    return int(ended), int(revoked)


def deactivate(
    conn: Connection, *, actor: str, username: str, reach: Clearance | None = None
) -> None:
    """The user can no longer sign in, and every way they were signed in ends now."""
    if actor == username:
        # The rule is the service's, so every caller refuses alike and no page has to
        # restate it (the accounts page did, as a bare 409 read as "changed meanwhile").
        raise OwnAccount(f"{actor} may not deactivate their own account", field="username")
    row = _row(conn, username)
    _within(reach, actor, row, "user.deactivate")
    if not row.active:
        raise Conflict(f"user {username} is already inactive", field="username")
    conn.execute(update(users).where(users.c.pk == row.pk).values(active=0))
    ended, revoked = _cut_off(conn, row.pk)
    audit.append(
        conn,
        actor=actor,
        action="user.deactivate",
        target=username,
        detail={"sessions_ended": ended, "tokens_revoked": revoked},
    )


def reactivate(
    conn: Connection, *, actor: str, username: str, reach: Clearance | None = None
) -> None:
    """The user may sign in again; tokens revoked meanwhile stay revoked."""
    row = _row(conn, username)
    _within(reach, actor, row, "user.reactivate")
    if row.active:
        raise Conflict(f"user {username} is active", field="username")
    conn.execute(
        update(users)
        .where(users.c.pk == row.pk)
        .values(active=1, generation=users.c.generation + 1)
    )
    audit.append(conn, actor=actor, action="user.reactivate", target=username)


def set_password(
    conn: Connection,
    *,
    actor: str,
    username: str,
    password: str,
    reach: Clearance | None = None,
) -> None:
    """A new password; every session and token of the user ends with the old one."""
    check_password(password)
    row = _row(conn, username)
    _within(reach, actor, row, "user.password")
    conn.execute(
        update(users).where(users.c.pk == row.pk).values(password_hash=_hasher.hash(password))
    )
    ended, revoked = _cut_off(conn, row.pk)
    audit.append(
        conn,
        actor=actor,
        action="user.password",
        target=username,
        detail={"sessions_ended": ended, "tokens_revoked": revoked},
    )


def change(
    conn: Connection,
    *,
    policy: Policy,
    actor: str,
    username: str,
    clearance: str | None = None,
    compartments: list[str] | None = None,
    roles: list[str] | None = None,
    bodies: list[str] | None = None,
    home: str | None = None,
) -> dict[str, Any]:
    """A new clearance, compartments, roles or bodies: each one given replaces what the
    user held (`home`, the node's nation, refuses a role that would act nowhere). Returns
    what changed. Whatever remembers the user's sign-in (a session,
    the TAXII Basic cache) reads the account anew on its next use, so a lowered
    clearance holds at once; sessions and tokens stay, as nothing of them was wrong."""
    row = _row(conn, username)
    wanted: dict[str, Any] = {}
    if clearance is not None:
        wanted["clearance_rank"] = check_level(policy, clearance).rank
    if compartments is not None:
        wanted["compartments"] = ",".join(check_compartments(policy, compartments))
    if roles is not None:
        wanted["roles"] = ",".join(check_roles(roles, nation=row.nation, home=home))
    if bodies is not None:
        wanted["bodies"] = ",".join(sorted(set(bodies)))
    if not wanted:
        raise Invalid("name what changes: a clearance, compartments, roles or bodies",
                      field="username")  # fmt: skip
    changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    if not changed:
        raise Conflict(f"user {username} holds these already", field="username")
    conn.execute(
        update(users)
        .where(users.c.pk == row.pk)
        .values(**changed, generation=users.c.generation + 1)
    )
    said = {k: v for k, v in changed.items() if k != "clearance_rank"}
    if "clearance_rank" in changed:
        said["clearance"] = policy.level(changed["clearance_rank"]).name
    audit.append(conn, actor=actor, action="user.change", target=username, detail=said)
    return said


@cache
def zones() -> tuple[str, ...]:
    """The IANA zones this machine knows, by name (the legacy aliases left out)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def set_zone(conn: Connection, *, actor: str, username: str, zone: str | None) -> None:
    """The zone the user reads times in; None goes back to their nation's."""
    if zone is not None and zone not in zones():
        raise Invalid(f"unknown time zone {zone!r}", field="zone")
    row = _row(conn, username)
    conn.execute(update(users).where(users.c.pk == row.pk).values(zone=zone))
    audit.append(conn, actor=actor, action="user.zone", target=username,
                 detail={"zone": zone})  # fmt: skip


def unlock(conn: Connection, *, actor: str, username: str, reach: Clearance | None = None) -> int:
    """Forget the failed sign-ins under this name from every address."""
    _within(reach, actor, _row(conn, username), "user.unlock")
    cleared = throttle.unlock(conn, username)
    audit.append(
        conn, actor=actor, action="user.unlock", target=username, detail={"addresses": cleared}
    )
    return cleared


def list_tokens(conn: Connection, *, username: str | None = None) -> list[TokenInfo]:
    query = (
        select(api_tokens, users.c.username)
        .select_from(api_tokens.join(users, users.c.pk == api_tokens.c.user_pk))
        .order_by(users.c.username, api_tokens.c.pk)
    )
    if username is not None:
        _row(conn, username)
        query = query.where(users.c.username == username)
    return [
        TokenInfo(r.prefix, r.username, r.created_at, r.expires_at, r.last_used_at, r.revoked_at)
        for r in conn.execute(query)
    ]


def revoke_token(
    conn: Connection, *, actor: str, prefix: str, reach: Clearance | None = None
) -> TokenInfo:
    """Revoke the one live token that starts with `prefix` (its listed first characters)."""
    row = _live_token(conn, prefix)
    _within(reach, actor, row, "token.revoke")
    now = clock.now_ts()
    conn.execute(update(api_tokens).where(api_tokens.c.pk == row.pk).values(revoked_at=now))
    audit.append(
        conn, actor=actor, action="token.revoke", target=row.username, detail={"prefix": row.prefix}
    )
    return TokenInfo(
        row.prefix, row.username, row.created_at, row.expires_at, row.last_used_at, now
    )


def token_owner(conn: Connection, prefix: str) -> str:
    """The user of the one live token that starts with `prefix`."""
    return str(_live_token(conn, prefix).username)


def _live_token(conn: Connection, prefix: str) -> Any:
    if len(prefix) < 6:
        raise Invalid("name a token by at least its first 6 characters", field="prefix")
    rows = conn.execute(
        select(api_tokens, users.c.username, users.c.clearance_rank, users.c.compartments)
        .select_from(api_tokens.join(users, users.c.pk == api_tokens.c.user_pk))
        .where(
            api_tokens.c.prefix.startswith(prefix, autoescape=True),
            api_tokens.c.revoked_at.is_(None),
        )
    ).all()
    if not rows:
        raise NotFound(f"no live token {prefix}", field="prefix")
    if len(rows) > 1:
        raise Conflict(f"{len(rows)} live tokens start with {prefix}", field="prefix")
    [row] = rows
    return row
