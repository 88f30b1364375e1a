"""Users, passwords, API tokens and browser sessions.

Passwords are argon2id hashes (argon2-cffi). API tokens and session ids are 256-bit
random values shown once and stored as SHA-256 digests; tokens expire (90 days unless
the node says otherwise). Failed logins are counted per name and client address (see
`throttle`); every failure, success, lock and throttled attempt is audited. The life
cycle of an account (deactivate, new password, revoke, unlock) is in `accounts`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, insert, select, update

from kizuna import audit, clock
from kizuna.db import Database
from kizuna.errors import Conflict, Invalid
from kizuna.identity import throttle
from kizuna.identity.principal import Principal, Role
from kizuna.identity.schema import api_tokens, sessions, users
from kizuna.labels import Clearance, LabelError, Level, Policy

__all__ = [
    "SESSION_HOURS",
    "TOKEN_DAYS",
    "Busy",
    "LoginRefused",
    "User",
    "add_user",
    "authenticate",
    "check_compartments",
    "check_level",
    "check_roles",
    "credential_current",
    "end_session",
    "issue_token",
    "principal_for_session",
    "principal_for_token",
    "start_session",
    "warm_up",
]

SESSION_HOURS = 12
TOKEN_DAYS = 90
TOKEN_PREFIX = "kz_"  # noqa: S105 (a visible prefix, not a secret: it marks leaked tokens)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so that the answer takes as long.
    Made at the first sign-in, not at import: a hash costs a tenth of a second, and every
    process start (each command, each node) paid it."""
    return _hasher.hash(secrets.token_hex(16))


def warm_up() -> None:
    """Make the stand-in hash before the first sign-in, so that not even the first
    answer to an unknown name takes longer (a server calls it in a thread at start)."""
    _dummy_hash()


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
    generation: int = 0


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
        zone=row.zone,
    )
    return User(row.pk, row.username, row.display_name, principal, row.generation)


def check_level(policy: Policy, clearance: str) -> Level:
    """The level named `clearance` (its name in either language)."""
    try:
        return policy.level_named(clearance)
    except LabelError as exc:
        raise Invalid(str(exc), field="clearance") from exc


def check_compartments(policy: Policy, compartments: list[str]) -> list[str]:
    try:
        return sorted({policy.check_compartment(c.strip().upper()) for c in compartments})
    except LabelError as exc:
        raise Invalid(str(exc), field="compartments") from exc


# Roles that act only for the node's own nation (`store.rules.require`): given to a
# partner's user they would do nothing, and say nothing of it. An author's writes and a
# translator's are refused to a partner's user too (walk 50: "only users of JPN may
# create objects"): the one thing of theirs that acts here, answering, is the
# coordinator's, which says so.
HOME_ONLY = frozenset({Role.ADMIN, Role.RELEASING_OFFICER, Role.AUTHOR, Role.TRANSLATOR})


def check_roles(
    roles: list[str] | list[Role], *, nation: str | None = None, home: str | None = None
) -> list[Role]:
    try:
        role_set = sorted({Role(r) for r in roles})
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise Invalid(f"unknown role; known: {known}", field="roles") from exc
    idle = sorted(HOME_ONLY.intersection(role_set)) if home and nation != home else []
    if idle:
        partner = " or ".join(r.value for r in Role if r not in HOME_ONLY)
        raise Invalid(
            f"a user of {nation} may not be {idle[0].value} on the {home} node: that role "
            f"acts only for {home}'s own users, and a partner's user writes on its own "
            f"nation's node (here it may be {partner}: it reads, and a coordinator answers "
            "what is addressed to its nation)",
            field="roles",
        )
    return role_set


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
    home: str | None = None,
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
    except LabelError as exc:
        raise Invalid(str(exc), field="nation") from exc
    level = check_level(policy, clearance)
    comps = check_compartments(policy, compartments or [])
    role_set = check_roles(roles or [Role.READER], nation=nation, home=home)
    if password is not None:
        check_password(password)
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


def members(conn: Connection, body_id: str) -> list[User]:
    """The active users of this node who belong to `body_id`."""
    rows = conn.execute(
        select(users).where(users.c.active == 1, users.c.bodies.contains(body_id))
    ).all()
    return [u for u in map(_user, rows) if body_id in u.principal.bodies]


class Busy(LoginRefused):
    """Every password-check slot stayed taken for the whole wait: the node is busy."""


# Password checks run at once in one process: about one a core. Each is a tenth of a
# second of CPU by design; unbounded, a crowd of strangers' guesses starves every
# other request of the node (security test, finding 1).
CHECK_SLOTS = max(1, os.cpu_count() or 1)
CHECK_WAIT_SECONDS = 2.0
BUSY_RETRY_SECONDS = 5
_checks = threading.BoundedSemaphore(CHECK_SLOTS)


def _verified(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(whether `password` matches `stored`, a stronger hash to store or None), with a
    check slot held. An unknown name is checked against the stand-in hash, so that it
    takes the same work as a known one."""
    if not _checks.acquire(timeout=CHECK_WAIT_SECONDS):
        raise Busy("the node is busy checking other sign-ins", retry_after=BUSY_RETRY_SECONDS)
    try:
        try:
            _hasher.verify(stored or _dummy_hash(), password or "-")
        except (VerificationError, InvalidHashError):
            return False, None
        if stored is None:
            return False, None
        return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)
    finally:
        _checks.release()


def authenticate(
    db: Database, username: str, password: str, *, source: str, channel: str = "page"
) -> User:
    """Check a password, holding no database connection while argon2 runs: the account
    is read in a short read, the hash checked with none held, and the outcome (the
    failure count, the audit entry, a stronger hash) written in a short write. Inside
    a transaction, each guess held a connection (SQLite's write lock, even) for the
    check's tenth of a second, and a crowd of guesses stopped the node.

    `source` is the client address: the throttle counts per name and address (see
    `throttle`). An unknown name, an inactive user and a wrong password get the same
    refusal after the same work (one argon2 verification, one count); a throttled
    attempt is refused before any password is checked, whoever the name is. When no
    check slot frees up in time, `Busy` (a `LoginRefused`) is raised, and audited."""
    where = {"source": source, "channel": channel}
    name = username[:128]
    with db.read() as conn:
        wait, failures = throttle.remaining(conn, username, source)
        row = None if wait else _active_row(conn, username)
    if wait:
        with db.write() as conn:
            audit.append(
                conn, actor="anonymous", action="login.throttled", target=name,
                detail={**where, "failures": failures, "retry_after": wait},
            )  # fmt: skip
        raise LoginRefused(f"too many failed attempts; try again in {wait} s", retry_after=wait)
    stored = row.password_hash if row is not None else None
    try:
        ok, stronger = _verified(stored, password)
    except Busy as busy:
        with db.write() as conn:
            audit.append(
                conn, actor="anonymous", action="login.busy", target=name,
                detail={**where, "retry_after": busy.retry_after},
            )  # fmt: skip
        raise
    with db.write() as conn:
        # The account may have changed while its hash was checked (a new password,
        # deactivation): the check stands only for the hash it was made against.
        if ok and row is not None:
            now = _active_row(conn, username)
            ok = now is not None and now.pk == row.pk and now.password_hash == stored
            row = now
        if not ok or row is None:
            failures = throttle.fail(conn, username, source)
            reason = {} if stored is not None else {"reason": "unknown or inactive user"}
            audit.append(
                conn, actor="anonymous", action="login.failure", target=name,
                detail={**where, "failures": failures, **reason},
            )  # fmt: skip
            if failures == throttle.FREE_ATTEMPTS:
                audit.append(
                    conn, actor="anonymous", action="login.locked", target=name,
                    detail={**where, "seconds": throttle.delay(failures)},
                )  # fmt: skip
            refused = True
        else:
            refused = False
            throttle.clear(conn, username, source)
            if stronger is not None:
                conn.execute(
                    update(users)
                    .where(users.c.pk == row.pk, users.c.password_hash == stored)
                    .values(password_hash=stronger)
                )
            audit.append(conn, actor=username, action="login.success", detail=where)
    if refused or row is None:
        raise LoginRefused("wrong username or password")
    return _user(row)


def _active_row(conn: Connection, username: str) -> Any:
    return conn.execute(
        select(users).where(users.c.username == username, users.c.active == 1)
    ).first()


def credential_current(conn: Connection, user: User) -> bool:
    """Whether a sign-in remembered for `user` still stands: the user is active and
    nothing (deactivation, a new password) has happened to the account since."""
    found = conn.execute(_CREDENTIAL_CURRENT, {"pk": user.pk, "generation": user.generation})
    return found.first() is not None


# Built once: TAXII clients send their credentials with every page, so this runs per
# request, and building the statement cost more than running it.
_CREDENTIAL_CURRENT = select(users.c.pk).where(
    users.c.pk == bindparam("pk"),
    users.c.active == 1,
    users.c.generation == bindparam("generation"),
)


def check_password(password: str) -> None:
    """At least 12 characters, not all of them spaces (a password typed as blanks)."""
    if len(password) < 12:
        raise Invalid("a password has at least 12 characters", field="password")
    if not password.strip():
        raise Invalid("a password is more than spaces", field="password")


# A token outlives no agreement: a partner's lives a year, a person's less.
MAX_TOKEN_DAYS = 366


def issue_token(conn: Connection, *, user: User, actor: str, days: int = TOKEN_DAYS) -> str:
    """A new API token for `user`, valid for `days`: returned once, stored only as its
    digest; its first characters (the prefix) name it in listings and revocations."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise Invalid(f"a token lives from one day to {MAX_TOKEN_DAYS} days", field="days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    expires = clock.format_ts(now + timedelta(days=days))
    conn.execute(
        insert(api_tokens).values(
            user_pk=user.pk,
            token_hash=_digest(token),
            prefix=token[:10],
            created_at=clock.format_ts(now),
            expires_at=expires,
        )
    )
    audit.append(
        conn,
        actor=actor,
        action="token.issue",
        target=user.username,
        detail={"prefix": token[:10], "expires_at": expires},
    )
    return token


def principal_for_token(conn: Connection, token: str) -> Principal | None:
    row = conn.execute(
        select(users)
        .select_from(users.join(api_tokens, api_tokens.c.user_pk == users.c.pk))
        .where(
            api_tokens.c.token_hash == _digest(token),
            api_tokens.c.revoked_at.is_(None),
            api_tokens.c.expires_at > clock.now_ts(),
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
