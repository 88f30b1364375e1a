"""The type-owner registry: every type a domain defines has exactly one owner, and the
store asks it about every write of that type, whatever path the write took.

A domain registers its types when the node opens and gets an `OwnerKey` back. Its
service passes the key to the store's writes; a write without the key (the generic
REST routes, a STIX import, a TAXII POST) is refused with `Disallowed` (422, audited),
naming the endpoint to use, unless the owner opened that kind of write to every path
(`open_to`). The owner's `rules` run on every write of its types, keyed or not, and on
every version that arrives from a peer: the same field rules, state machine and
approval rules hold everywhere, or the write is refused.

An owner claims a type outright, or only the objects of a type that `claims` says are
its own (a joint product is a STIX `grouping` with Kizuna's joint-product extension);
a write is judged by the owner of its new body or of the version it replaces, so an
edit cannot take an object out of its owner's hands.

An owner may also name its *followers* of an object: its objects that point at that
object and must stay at least as restrictive as it (an attachment and the object it
is attached to). When a release narrows an object, the store narrows each follower of
this node's that its new label does not dominate, in the same transaction.

And its *parts* of a whole: objects whose words the whole carries too (a meeting's
original text holds every section, item and decision). A part is read by exactly
whoever reads its whole: each release of the whole takes the parts held at its old
label to the new one (`store/parts.py`), and the owner refuses a release of a part on
its own (`Write.follows` says which release followed a whole's).

And a hook on a narrowing (`on_narrowed`): an owner whose objects name another in a
way a follower cannot keep up with (a decision's link to the one it restates, which
may change, where a follower's label would have to) revises them itself, in the
transaction of the narrowing.

After the owner's rules, one rule holds for every type, owned or not: a name or a
description shows its readers the text as written (`check_texts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection

from kizuna.errors import Disallowed, Invalid, Refused, StoreError
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.stix.validate import bidi_changed, bidi_words, is_versioned

__all__ = [
    "SHOWN_TEXTS",
    "Followers",
    "Narrowed",
    "Owner",
    "OwnerKey",
    "Owners",
    "Write",
    "WriteKind",
    "check_texts",
]

# The ids of an owner's objects that point at the object of this id (whoever may read them).
Followers = Callable[[Connection, str], Iterable[str]]
# Told, inside the transaction, that the object of this id is now held at this label,
# which some reader of the version before may not read.
Narrowed = Callable[[Connection, str, Label], None]

WriteKind = Literal["create", "revise", "release", "answer", "accept"]


@dataclass(frozen=True)
class Write:
    """What an owner's rules see of one write. `principal` is None for a version that
    arrived from a peer (`accept`); `previous` is the body it replaces, if any."""

    kind: WriteKind
    principal: Principal | None
    body: dict[str, Any]
    label: Label
    origin: str
    previous: dict[str, Any] | None = None
    previous_label: Label | None = None
    # The object whose release this one follows (a part taken along by its whole, a
    # follower by a narrowing), None for a release decision on the object itself.
    follows: str | None = None


@dataclass(frozen=True, eq=False)
class OwnerKey:
    """Proof that a write comes from the owner's own service. Compared by identity."""

    domain: str


@dataclass(frozen=True)
class Owner:
    domain: str
    # Where a client writes objects of this type (named in a refusal).
    endpoint: str
    rules: Callable[[Connection, Write], None] | None = None
    # Kinds of write any path may make (still under `rules`): e.g. a release decision
    # through the generic endpoint, or the create of a type with no life cycle.
    open_to: frozenset[WriteKind] = frozenset()
    claims: Callable[[dict[str, Any]], bool] | None = None
    key: OwnerKey = field(default_factory=lambda: OwnerKey(""), compare=False)
    # Rules of a release alone (a part never released wider than its whole): kept
    # apart from `rules`, which make a batch of creates write one object at a time.
    release_rules: Callable[[Connection, Write], None] | None = None


class Owners:
    """type -> owner, filled once at start-up by the installed domains."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[Owner]] = {}
        self._followers: list[tuple[OwnerKey, Followers]] = []
        self._parts: list[tuple[OwnerKey, Followers]] = []
        self._wholes: list[Callable[[dict[str, Any]], str | None]] = []
        self._narrowed: list[tuple[OwnerKey, Narrowed]] = []

    def register(
        self,
        stix_type: str,
        *,
        domain: str,
        endpoint: str,
        rules: Callable[[Connection, Write], None] | None = None,
        open_to: frozenset[WriteKind] = frozenset(),
        claims: Callable[[dict[str, Any]], bool] | None = None,
        key: OwnerKey | None = None,
        release_rules: Callable[[Connection, Write], None] | None = None,
    ) -> OwnerKey:
        """Register `domain` as the owner of `stix_type` (or of the objects of it that
        `claims`); pass the same `key` to register several types under one key."""
        taken = self._by_type.setdefault(stix_type, [])
        if any(o.claims is None or claims is None for o in taken):
            raise RuntimeError(f"{stix_type} already has an owner ({taken[0].domain})")
        made = key or OwnerKey(domain)
        taken.append(Owner(domain, endpoint, rules, open_to, claims, made, release_rules))
        return made

    def follow(self, key: OwnerKey, followers: Followers) -> None:
        """Register the owner's followers (see the module's docstring)."""
        self._followers.append((key, followers))

    def on_narrowed(self, key: OwnerKey, hook: Narrowed) -> None:
        """Register the owner's hook on a narrowing (see the module's docstring)."""
        self._narrowed.append((key, hook))

    def narrowed(self, conn: Connection, stix_id: str, label: Label) -> None:
        """Tell every owner's hook that `stix_id` was narrowed to `label`."""
        for _key, hook in self._narrowed:
            hook(conn, stix_id, label)

    def have_parts(
        self, key: OwnerKey, parts: Followers, whole_of: Callable[[dict[str, Any]], str | None]
    ) -> None:
        """Register the owner's parts of a whole (see the module's docstring): `parts`
        finds a whole's, `whole_of` names a part's whole from its body (None for an
        object that is no part)."""
        self._parts.append((key, parts))
        self._wholes.append(whole_of)

    def whole_of(self, body: dict[str, Any]) -> str | None:
        """The whole `body` is a part of, released with it (a page offers no release of
        the part itself, but the whole's)."""
        return next((w for find in self._wholes if (w := find(body)) is not None), None)

    def parts(self, conn: Connection, stix_id: str) -> list[tuple[str, OwnerKey]]:
        """Every part of the whole `stix_id`, with its owner's key."""
        return [(p, key) for key, find in self._parts for p in find(conn, stix_id)]

    def followers(self, conn: Connection, stix_id: str) -> list[tuple[str, OwnerKey]]:
        """Every object that follows `stix_id`'s label, with its owner's key."""
        return [(f, key) for key, find in self._followers for f in find(conn, stix_id)]

    def owner_of(self, body: dict[str, Any]) -> Owner | None:
        for owner in self._by_type.get(str(body.get("type", "")), []):
            if owner.claims is None or owner.claims(body):
                return owner
        return None

    def has_rules(self, obj: Any) -> bool:
        """Whether a write of `obj` runs an owner's rules (which may read the store)."""
        owner = self.owner_of(obj) if isinstance(obj, dict) else None
        return owner is not None and owner.rules is not None

    def owned_types(self) -> dict[str, str]:
        """Each registered type and its owning domain (for the README and the tests)."""
        return {t: owners[0].domain for t, owners in self._by_type.items()}

    def closed_to(self, kind: WriteKind, body: Any) -> Owner | None:
        """The owner that refuses `kind` of write of `body` through any path but its own
        service (None when the type has no owner or the owner opened that kind to every
        path). `admit` refuses by it; a generic page offers a form only where it is None."""
        owner = self.owner_of(body) if isinstance(body, dict) else None
        if owner is None or kind == "accept" or kind in owner.open_to:
            return None
        return owner

    def admit(
        self,
        kind: WriteKind,
        obj: Any,
        key: OwnerKey | None,
        previous: dict[str, Any] | None = None,
    ) -> None:
        """Refuse a write of an owned type that does not come through its owner (or a
        kind of write the owner opened): checked on the raw object, before anything
        else, so that a forged write is refused, and audited, however malformed."""
        bodies = [b for b in (obj, previous) if isinstance(b, dict)]
        for owner in {self.closed_to(kind, b) for b in bodies} - {None}:
            assert owner is not None
            if key is not None and key is owner.key:
                continue
            first = bodies[0]
            target = first.get("id") if isinstance(first.get("id"), str) else None
            raise Disallowed(
                f"{first.get('type')} objects belong to the {owner.domain} mechanism and keep "
                f"its rules: write them through {owner.endpoint}, not this path",
                field="object.type",
                action=f"store:{owner.domain}:{kind}",
                target=target,
            )

    def check(self, conn: Connection, write: Write, key: OwnerKey | None) -> None:
        """Admit the write (see `admit`), run its owner's rules on the body it would
        store, then the rule of every type's texts (`check_texts`)."""
        self._owners_rules(conn, write, key)
        check_texts(write)

    def _owners_rules(self, conn: Connection, write: Write, key: OwnerKey | None) -> None:
        self.admit(write.kind, write.body, key, write.previous)
        owners = {self.owner_of(write.body)}
        if write.previous is not None:
            owners.add(self.owner_of(write.previous))
        for owner in owners - {None}:
            assert owner is not None
            checks = [owner.rules]
            if write.kind == "release":
                checks.append(owner.release_rules)
            try:
                for check in checks:
                    if check is not None:
                        check(conn, write)
            except Refused:
                raise
            except StoreError as exc:
                target = write.body.get("id")
                raise Disallowed(
                    str(exc),
                    field=exc.field,
                    action=f"store:{owner.domain}:{write.kind}",
                    target=str(target) if target else None,
                    status=exc.status,
                ) from exc


# The texts STIX and Kizuna's types give every reader of an object: its name and its
# description, and their Japanese twins.
SHOWN_TEXTS = ("name", "name_ja", "description", "description_ja")


def check_texts(write: Write) -> None:
    """No bidirectional control in a text every reader is shown, whatever the type and
    whoever owns it: U+202E in a plain report's description shows its readers a text
    other than the one written. After the owner's rules, which say it in their own
    words for their own types. A text carried unchanged from the version before is
    not judged again, so one stored before this rule never stops a narrowing. An
    observable (a `file`) is a record of what was seen: a malware file's name spoofed
    with U+202E is the very thing its analysts share, so it is kept as it was named."""
    if not is_versioned(str(write.body.get("type", ""))):
        return
    found = bidi_changed(write.body, SHOWN_TEXTS, write.previous)
    if found is not None:
        name, control = found
        raise Invalid(f"{name}: {bidi_words(control)}", field=f"object.{name}")
