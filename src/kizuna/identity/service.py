"""Users, passwords, API tokens and browser sessions.

Passwords are argon2id hashes (argon2-cffi). API tokens and session ids are 256-bit
random values shown once and stored as SHA-256 digests. Failed logins are counted
per user; past a few, each further attempt must wait longer, and every failure,
success and lock-out is audited.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from kizuna import audit, clock
from kizuna.errors import Conflict, Invalid
from kizuna.identity.principal import Principal, Role
from kizuna.identity.schema import api_tokens, sessions, users
from kizuna.labels import Clearance, LabelError, Policy

__all__ = [
    "FREE_ATTEMPTS",
    "SESSION_HOURS",
    "LoginRefused",
    "User",
    "add_user",
    "authenticate",
    "end_session",
    "issue_token",
    "principal_for_session",
    "principal_for_token",
    "start_session",
]

FREE_ATTEMPTS = 5
MAX_DELAY_SECONDS = 900
SESSION_HOURS = 12
TOKEN_PREFIX = "kz_"  # noqa: S105 (a visible prefix, not a secret: it marks leaked tokens)

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that the answer takes as long.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginRefused(Exception):
    """Wrong name or password (the same answer for both), or too many attempts."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class User:
    pk: int
    username: str
    display_name: str
    principal: Principal


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(text: str) -> frozenset[str]:
    return frozenset(t for t in text.split(",") if t)


def _user(row: Any) -> User:
    principal = Principal(
        name=row.username,
        clearance=Clearance(row.nation, row.clearance_rank, _split(row.compartments)),
        roles=frozenset(Role(r) for r in _split(row.roles)),
        bodies=_split(row.bodies),
    )
    return User(row.pk, row.username, row.display_name, principal)


def add_user(
    conn: Connection,
    *,
    policy: Policy,
    actor: str,
    username: str,
    nation: str,
    clearance: str,
    compartments: list[str] | None = None,
    roles: list[str] | None = None,
    bodies: list[str] | None = None,
    password: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create a user; Invalid names the field that is wrong, nothing is written then."""
    if (
        not username
        or len(username) > 64
        or not username.replace("-", "").replace(".", "").replace("_", "").isalnum()
    ):
        raise Invalid("a username is 1-64 letters, digits, '-', '_' or '.'", field="username")
    try:
        policy.check_nation(nation)
        level = policy.level_named(clearance)
        comps = sorted({policy.check_compartment(c.strip().upper()) for c in compartments or []})
    except LabelError as exc:
        field = {"rel_to": "nation", "level": "clearance"}.get(exc.field, exc.field)
        raise Invalid(str(exc), field=field) from exc
    try:
        role_set = sorted({Role(r) for r in roles or [Role.READER]})
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise Invalid(f"unknown role; known: {known}", field="roles") from exc
    if password is not None and len(password) < 12:
        raise Invalid("a password has at least 12 characters", field="password")
    if conn.execute(select(users.c.pk).where(users.c.username == username)).first():
        raise Conflict(f"user {username} exists", field="username")
    pk = conn.execute(
        insert(users)
        .values(
            username=username,
            display_name=display_name or username,
            nation=nation,
            clearance_rank=level.rank,
            compartments=",".join(comps),
            roles=",".join(role_set),
            bodies=",".join(sorted(set(bodies or []))),
            password_hash=_hasher.hash(password) if password else None,
            failed_logins=0,
            active=1,
            created_at=clock.now_ts(),
        )
        .returning(users.c.pk)
    ).scalar_one()
    audit.append(
        conn,
        actor=actor,
        action="user.create",
        target=username,
        detail={
            "nation": nation,
            "clearance": level.name,
            "compartments": comps,
            "roles": [str(r) for r in role_set],
        },
    )
    row = conn.execute(select(users).where(users.c.pk == pk)).one()
    return _user(row)


def find_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(
        select(users).where(users.c.username == username, users.c.active == 1)
    ).first()
    return _user(row) if row else None


def _delay(failures: int) -> int:
    """Seconds to wait after `failures` failures: none for the first few, then doubling."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS))


def authenticate(conn: Connection, username: str, password: str, *, source: str) -> User:
    """Check a password in the caller's write transaction. The caller commits even
    when this raises, so that the failure count and its audit entry are kept."""
    row = conn.execute(
        select(users).where(users.c.username == username, users.c.active == 1).with_for_update()
    ).first()
    if row is None or row.password_hash is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password or "-")
        audit.append(
            conn,
            actor="anonymous",
            action="login.failure",
            target=username[:128],
            detail={"source": source, "reason": "unknown user"},
        )
        raise LoginRefused("wrong username or password")
    wait = _delay(row.failed_logins)
    if wait and row.last_failed_at:
        ready = clock.parse_ts(row.last_failed_at) + timedelta(seconds=wait)
        remaining = int((ready - clock.now()).total_seconds()) + 1
        if remaining > 0:
            audit.append(
                conn,
                actor="anonymous",
                action="login.throttled",
                target=username,
                detail={"source": source, "failures": row.failed_logins, "retry_after": remaining},
            )
            raise LoginRefused(
                f"too many failed attempts; try again in {remaining} s", retry_after=remaining
            )
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        conn.execute(
            update(users)
            .where(users.c.pk == row.pk)
            .values(failed_logins=row.failed_logins + 1, last_failed_at=clock.now_ts())
        )
        audit.append(
            conn,
            actor="anonymous",
            action="login.failure",
            target=username,
            detail={"source": source, "failures": row.failed_logins + 1},
        )
        raise LoginRefused("wrong username or password") from None
    values: dict[str, Any] = {"failed_logins": 0, "last_failed_at": None}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    conn.execute(update(users).where(users.c.pk == row.pk).values(**values))
    audit.append(conn, actor=username, action="login.success", detail={"source": source})
    return _user(row)


def issue_token(conn: Connection, *, user: User, actor: str) -> str:
    """A new API token for `user`: returned once, stored only as its digest."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            user_pk=user.pk,
            token_hash=_digest(token),
            prefix=token[:10],
            created_at=clock.now_ts(),
        )
    )
    audit.append(
        conn, actor=actor, action="token.issue", target=user.username, detail={"prefix": token[:10]}
    )
    return token


def principal_for_token(conn: Connection, token: str) -> Principal | None:
    row = conn.execute(
        select(users)
        .select_from(users.join(api_tokens, api_tokens.c.user_pk == users.c.pk))
        .where(
            api_tokens.c.token_hash == _digest(token),
            api_tokens.c.revoked_at.is_(None),
            users.c.active == 1,
        )
    ).first()
    return _user(row).principal if row else None


def start_session(conn: Connection, user: User) -> str:
    session_id = secrets.token_urlsafe(32)
    now = clock.now()
    conn.execute(
        insert(sessions).values(
            id_hash=_digest(session_id),
            user_pk=user.pk,
            created_at=clock.format_ts(now),
            expires_at=clock.format_ts(now + timedelta(hours=SESSION_HOURS)),
        )
    )
    return session_id


def principal_for_session(conn: Connection, session_id: str) -> Principal | None:
    row = conn.execute(
        select(users)
        .select_from(users.join(sessions, sessions.c.user_pk == users.c.pk))
        .where(
            sessions.c.id_hash == _digest(session_id),
            sessions.c.expires_at > clock.now_ts(),
            users.c.active == 1,
        )
    ).first()
    return _user(row).principal if row else None


def end_session(conn: Connection, session_id: str, *, actor: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.id_hash == _digest(session_id)))
    audit.append(conn, actor=actor, action="logout")
