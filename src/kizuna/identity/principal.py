"""The acting principal and what its roles permit. Pure: no I/O.

Every read and write in Kizuna takes a principal. Roles grant permissions; they
never widen what a principal may read, which only the clearance decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from kizuna.labels import Clearance, Policy

__all__ = ["ROLE_PERMISSIONS", "ROLE_WORDS", "Permission", "Principal", "Role", "roles_needed"]


class Role(StrEnum):
    READER = "reader"
    AUTHOR = "author"
    RELEASING_OFFICER = "releasing_officer"
    ADMIN = "admin"
    # A partner-nation liaison: answers what is addressed to its nation, writes nothing else.
    COORDINATOR = "coordinator"
    # Writes translations and the alliance glossary, and is the one who verifies them.
    TRANSLATOR = "translator"


class Permission(StrEnum):
    """`<scope>:<resource>:<action>`."""

    OBJECT_READ = "store:object:read"
    OBJECT_WRITE = "store:object:write"
    OBJECT_RELEASE = "store:object:release"
    # Answer an object one may read (a concurrence, a comment): an object of one's own
    # nation at the label of what it answers. Partner users hold it; see Store.answer_in.
    OBJECT_ANSWER = "store:object:answer"
    AUDIT_READ = "audit:log:read"
    USER_MANAGE = "identity:user:manage"
    # Mark a translation (or a glossary term) verified; a provisional one (仮訳) any
    # writer may make.
    TRANSLATION_VERIFY = "translation:text:verify"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.READER: frozenset({Permission.OBJECT_READ}),
    Role.AUTHOR: frozenset(
        {Permission.OBJECT_READ, Permission.OBJECT_WRITE, Permission.OBJECT_ANSWER}
    ),
    Role.RELEASING_OFFICER: frozenset({Permission.OBJECT_READ, Permission.OBJECT_RELEASE}),
    Role.ADMIN: frozenset({Permission.OBJECT_READ, Permission.AUDIT_READ, Permission.USER_MANAGE}),
    Role.COORDINATOR: frozenset({Permission.OBJECT_READ, Permission.OBJECT_ANSWER}),
    # A translator writes (the store's write, which each domain's rules narrow) and verifies.
    Role.TRANSLATOR: frozenset(
        {Permission.OBJECT_READ, Permission.OBJECT_WRITE, Permission.TRANSLATION_VERIFY}
    ),
}


# A role as a refusal names it (README's words): a permission's code is for the log.
ROLE_WORDS: dict[Role, str] = {
    Role.READER: "reader",
    Role.AUTHOR: "author",
    Role.RELEASING_OFFICER: "releasing officer",
    Role.ADMIN: "admin",
    Role.COORDINATOR: "coordinator",
    Role.TRANSLATOR: "translator",
}


def roles_needed(permission: Permission) -> str:
    """The roles that grant `permission`, as a refusal says them: "the author or
    translator role" (walk 50: "the role that grants store:object:write is missing"
    told a user nothing they could ask their administrator for)."""
    named = [ROLE_WORDS[role] for role in Role if permission in ROLE_PERMISSIONS[role]]
    if len(named) > 1:
        return f"the {', '.join(named[:-1])} or {named[-1]} role"
    return f"the {named[0]} role"


@dataclass(frozen=True)
class Principal:
    """A user, a peer node, or the node itself acting in the background."""

    name: str
    clearance: Clearance
    roles: frozenset[Role] = field(default_factory=frozenset)
    bodies: frozenset[str] = field(default_factory=frozenset)
    kind: Literal["user", "system", "peer"] = "user"
    # The IANA time zone a user chose to read times in (None: their nation's).
    zone: str | None = None

    @property
    def nation(self) -> str:
        return self.clearance.nation

    def can(self, permission: Permission) -> bool:
        if self.kind == "system":
            return True
        return any(permission in ROLE_PERMISSIONS[role] for role in self.roles)

    @classmethod
    def system(cls, *, nation: str, policy: Policy) -> Principal:
        """The node's own background jobs: named, audited, never anonymous."""
        return cls(
            name=f"system@{nation}",
            clearance=Clearance(
                nation=nation,
                rank=policy.highest.rank,
                compartments=frozenset(policy.compartments),
            ),
            kind="system",
        )
