"""Partner nodes: who they are, what was agreed with them, and their accounts here.

Adding a peer creates the account it pulls with on this node: a user of the peer's
nation whose clearance is the agreement (highest level, compartments). The store's
visibility condition for that account is therefore exactly "releasable to the peer
and within the agreement"; nothing else decides what a peer receives.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from sqlalchemy import Connection, delete, insert, select, update

from kizuna import audit, clock
from kizuna.errors import Conflict, Invalid, NotFound
from kizuna.federation.schema import peers
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.identity.schema import api_tokens, users
from kizuna.labels import Label, LabelError, Policy
from kizuna.stix.markings import NAMESPACE

__all__ = [
    "PEER_TOKEN_DAYS",
    "Peer",
    "add_peer",
    "collection_id",
    "find_peer",
    "list_peers",
    "peer_for_account",
    "peer_of",
    "remove_peer",
]

# A peer pulls unattended: its token lives a year rather than a user's 90 days, and is
# renewed like any token (`kizuna user token issue peer-XXX`, then `kizuna peer token`
# on the partner's node) before it runs out.
PEER_TOKEN_DAYS = 365
# The line of `kizuna peer init` that names the node's nation, saved with its key.
_NATION_LINE = re.compile(r"^nation\s+([A-Za-z]{3})\s*$", re.MULTILINE)


def collection_id(nation: str) -> str:
    """The id of the TAXII collection a node serves the peer of `nation`: derived from
    the nation, so that the peer knows where to pull without asking."""
    return str(uuid.uuid5(NAMESPACE, f"collection/peer/{nation}"))


@dataclass(frozen=True)
class Peer:
    nation: str
    url: str
    public_key_pem: str
    max_rank: int
    compartments: frozenset[str]
    pull_token: str
    account: str
    added_after: str | None
    last_pull_at: str | None
    last_error: str | None
    # Why the last pull failed, as a code (federation/failures.py); None before 0020.
    last_error_kind: str | None
    received: int
    quarantined: int

    @property
    def public_key(self) -> Ed25519PublicKey:
        key = load_pem_public_key(self.public_key_pem.encode())
        assert isinstance(key, Ed25519PublicKey)
        return key

    def within(self, label: Label) -> bool:
        """The agreement allows this label (its nation is checked by the guard)."""
        return label.rank <= self.max_rank and label.compartments <= self.compartments


def _peer(row: object) -> Peer:
    r = row._mapping  # type: ignore[attr-defined]
    return Peer(
        nation=r["nation"],
        url=r["url"].rstrip("/"),
        public_key_pem=r["public_key"],
        max_rank=r["max_rank"],
        compartments=frozenset(c for c in r["compartments"].split(",") if c),
        pull_token=r["pull_token"],
        account=r["account"],
        added_after=r["added_after"],
        last_pull_at=r["last_pull_at"],
        last_error=r["last_error"],
        last_error_kind=r["last_error_kind"],
        received=r["received"],
        quarantined=r["quarantined"],
    )


def account_name(nation: str) -> str:
    return f"peer-{nation.lower()}"


def add_peer(
    conn: Connection,
    *,
    policy: Policy,
    own_nation: str,
    actor: str,
    nation: str,
    url: str,
    public_key_pem: str,
    max_level: str,
    compartments: list[str],
    pull_token: str = "",
    own_key: Ed25519PublicKey | None = None,
) -> str:
    """Record a partner node; returns the token the partner pulls from this node with
    (shown once). Nothing is written when anything is wrong.

    `own_key`: this node's public key. A partner's key is never this node's own, nor
    one another peer holds: two nodes that share a key cannot tell each other's
    signatures apart (nodes initialised from one directory share its default key
    file). The nation a `kizuna peer init` file names must be the one added."""
    nation = nation.strip().upper()
    try:
        policy.check_nation(nation)
        level = policy.level_named(max_level)
        comps = sorted({policy.check_compartment(c.strip().upper()) for c in compartments})
    except LabelError as exc:
        raise Invalid(str(exc), field={"rel_to": "nation", "level": "max_level"}.get(
            exc.field, exc.field)) from exc  # fmt: skip
    if nation == own_nation:
        raise Invalid(f"{nation} is this node's own nation", field="nation")
    if not url.startswith(("http://", "https://")):
        raise Invalid("the peer's URL starts with http:// or https://", field="url")
    try:
        key = load_pem_public_key(public_key_pem.encode())
    except ValueError as exc:
        raise Invalid(f"not a PEM public key: {exc}", field="public_key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid("the peer's key must be an Ed25519 public key", field="public_key")
    named = _NATION_LINE.search(public_key_pem)
    if named and named.group(1).upper() != nation:
        raise Invalid(
            f"the key file is that of the node of {named.group(1).upper()}, not {nation}",
            field="nation",
        )
    pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    if own_key is not None and own_key.public_bytes_raw() == key.public_bytes_raw():
        raise Invalid(
            "this is this node's own key: each node needs a key of its own "
            "(KIZUNA_KEY_FILE), and the partner's key comes from `kizuna peer init` there",
            field="public_key",
        )
    if conn.execute(select(peers.c.nation).where(peers.c.nation == nation)).first():
        raise Conflict(f"{nation} is already a peer; remove it first", field="nation")
    holder = conn.execute(select(peers.c.nation).where(peers.c.public_key == pem)).scalar()
    if holder is not None:
        raise Conflict(f"{holder} already signs with this key", field="public_key")
    user = identity.add_user(
        conn,
        policy=policy,
        actor=actor,
        username=account_name(nation),
        nation=nation,
        clearance=level.name,
        compartments=comps,
        roles=["reader"],
        display_name=f"Kizuna node {nation}",
    )
    token = identity.issue_token(conn, user=user, actor=actor, days=PEER_TOKEN_DAYS)
    conn.execute(
        insert(peers).values(
            nation=nation,
            url=url.rstrip("/"),
            # The key alone: what `peer init` prints around it may come with it.
            public_key=pem,
            max_rank=level.rank,
            compartments=",".join(comps),
            pull_token=pull_token,
            account=user.username,
            added_at=clock.now_ts(),
        )
    )
    audit.append(
        conn,
        actor=actor,
        action="peer.add",
        target=nation,
        detail={"url": url, "max_level": level.name, "compartments": comps},
    )
    return token


def set_pull_token(conn: Connection, *, actor: str, nation: str, token: str) -> None:
    done = conn.execute(
        update(peers).where(peers.c.nation == nation.upper()).values(pull_token=token)
    )
    if not done.rowcount:
        raise NotFound(f"no peer {nation}", field="nation")
    audit.append(conn, actor=actor, action="peer.token", target=nation.upper())


def set_url(conn: Connection, *, actor: str, nation: str, url: str) -> None:
    """Where the peer now serves (it moved, or a demo restarted on other ports)."""
    done = conn.execute(update(peers).where(peers.c.nation == nation.upper()).values(url=url))
    if not done.rowcount:
        raise NotFound(f"no peer {nation}", field="nation")
    audit.append(conn, actor=actor, action="peer.url", target=nation.upper(), detail={"url": url})


def list_peers(conn: Connection) -> list[Peer]:
    return [_peer(r) for r in conn.execute(select(peers).order_by(peers.c.nation)).all()]


def find_peer(conn: Connection, nation: str) -> Peer | None:
    row = conn.execute(select(peers).where(peers.c.nation == nation.upper())).first()
    return _peer(row) if row is not None else None


def peer_of(conn: Connection, principal: Principal) -> Peer | None:
    """The partner node whose account `principal` is (its name is that peer's account
    name, and the peer is recorded here), else None."""
    if principal.name != account_name(principal.nation):
        return None
    return peer_for_account(conn, principal.name)


def peer_for_account(conn: Connection, account: str) -> Peer | None:
    row = conn.execute(select(peers).where(peers.c.account == account)).first()
    return _peer(row) if row is not None else None


def remove_peer(conn: Connection, *, actor: str, nation: str) -> None:
    """Forget a peer and delete its account: its tokens stop working at once. What
    came from it stays (replicated objects are history too)."""
    peer = find_peer(conn, nation)
    if peer is None:
        raise NotFound(f"no peer {nation}", field="nation")
    account = conn.execute(select(users.c.pk).where(users.c.username == peer.account)).scalar()
    if account is not None:
        # The account existed only for the peer: gone with it, tokens first.
        conn.execute(delete(api_tokens).where(api_tokens.c.user_pk == account))
        conn.execute(delete(users).where(users.c.pk == account))
    conn.execute(delete(peers).where(peers.c.nation == peer.nation))
    audit.append(conn, actor=actor, action="peer.remove", target=peer.nation)
