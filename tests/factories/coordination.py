"""Factories for the coordination tests: users who belong to bodies, item requests."""

from __future__ import annotations

from typing import Any

from kizuna.domains.coordination.inputs import ItemCreate
from kizuna.identity import service as identity
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from tests.factories import PASSWORD, cookies


def member(
    node: Node,
    name: str,
    *,
    nation: str,
    roles: list[str],
    bodies: list[str],
    clearance: str = "SECRET",
    compartments: list[str] | None = None,
) -> tuple[Principal, str]:
    """A user of the bodies given, with an API token: (principal, token)."""
    with node.db.write() as conn:
        user = identity.add_user(
            conn,
            policy=node.policy,
            actor="test",
            username=name,
            nation=nation,
            clearance=clearance,
            compartments=compartments or [],
            roles=roles,
            bodies=bodies,
            password=PASSWORD,
        )
        token = identity.issue_token(conn, user=user, actor="test")
    return user.principal, token


def cast(node: Node) -> dict[str, tuple[Principal, str]]:
    """The people of the scenario: a JPN author who is also releasing officer (JJOC and
    the MOD policy bureau), a JPN author who is not, a US officer who answers for USFJ
    and OSD policy, and a US reader."""
    return {
        "sato": member(
            node,
            "sato",
            nation="JPN",
            roles=["author", "releasing_officer"],
            bodies=["jjoc", "mod-policy"],
        ),
        "ito": member(node, "ito", nation="JPN", roles=["author"], bodies=["jjoc"]),
        "davis": member(
            node, "davis", nation="USA", roles=["coordinator"], bodies=["usfj", "osd-policy"]
        ),
        "smith": member(node, "smith", nation="USA", roles=["reader"], bodies=["usfj"]),
    }


def item(**overrides: Any) -> ItemCreate:
    values: dict[str, Any] = {
        "title_en": "Air defence posture, Kyushu",
        "title_ja": "九州の防空態勢",
        "body_en": "Request concurrence on the revised posture.",
        "body_ja": "改訂態勢への同意を求める。",
        "requesting_body": "jjoc",
        "counterpart_body": "usfj",
        "region": "kyushu",
        "domains": ["air", "cyber"],
        "label": "SECRET//REL TO JPN, USA",
    }
    values.update(overrides)
    return ItemCreate(**values)


def sign_in_as(node: Node, client: Any, name: str, lang: str) -> str:
    """Sign `name` in on `client` in `lang` without the login form (a session of the
    store's own); returns the CSRF token the client then sends."""
    with node.db.write() as conn:
        user = identity.find_user(conn, name)
        assert user is not None
        session = identity.start_session(conn, user)
    client.cookies.clear()
    client.cookies.set(cookies(client).session, session)
    client.cookies.set(cookies(client).lang, lang)
    client.cookies.set(cookies(client).csrf, "t" * 32)
    return "t" * 32
