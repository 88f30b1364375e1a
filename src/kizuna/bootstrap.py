"""Start-up of a node: initialize a database, open what a running node needs (the
installed domains registered on it), and seed the demo that `make run` shows."""

from __future__ import annotations

import secrets
from pathlib import Path

from kizuna import audit, domains, federation
from kizuna.config import Settings
from kizuna.identity import service as identity
from kizuna.labels import Policy, default_policy, load_policy, parse
from kizuna.node import create_key, key_id, load_key
from kizuna.runtime import Node
from kizuna.store import Database, Store
from kizuna.store.nodes import init_node, load_node

__all__ = ["DEMO_USERS", "initialize", "open_node", "seed_demo"]


def policy_for(settings: Settings) -> Policy:
    return load_policy(settings.policy_file) if settings.policy_file else default_policy()


def initialize(settings: Settings, *, nation: str, name: str | None = None) -> bool:
    """Migrate the database and make the node identity; False when it already had one."""
    policy = policy_for(settings)
    policy.check_nation(nation)
    db = Database(settings.database_url)
    try:
        db.migrate(domains.migration_folders())
        with db.write() as conn:
            if load_node(conn) is not None:
                return False
            path = Path(settings.key_file)
            key = load_key(path) if path.exists() else create_key(path)
            init_node(conn, nation=nation, name=name or nation.lower(), key=key, policy=policy.name)
            audit.append(
                conn,
                actor=f"system@{nation}",
                action="node.init",
                detail={"nation": nation, "key_id": key_id(key), "policy": policy.name},
            )
        return True
    finally:
        db.dispose()


def open_node(settings: Settings) -> Node:
    """The node of `settings`, migrated, with every installed domain registered on it;
    a bad data file of a domain stops it here."""
    policy = policy_for(settings)
    db = Database(settings.database_url)
    try:
        db.migrate(domains.migration_folders())
        store = Store.open(db, policy)
        key = load_key(Path(settings.key_file))
        node = domains.install(Node(settings=settings, db=db, policy=policy, store=store, key=key))
        federation.install(node)
        return node
    except BaseException:
        db.dispose()
        raise


# name, nation, clearance, compartments, roles
DEMO_USERS: list[tuple[str, str, str, list[str], list[str]]] = [
    ("sato", "JPN", "SECRET", ["BIAC"], ["author", "releasing_officer"]),
    ("tanaka", "JPN", "CONFIDENTIAL", [], ["reader"]),
    ("suzuki", "JPN", "TOP SECRET", ["BIAC", "CYBER", "INDUSTRY"], ["admin"]),
    ("smith", "USA", "SECRET", ["BIAC"], ["reader"]),
    ("jones", "USA", "TOP SECRET", ["BIAC", "CYBER"], ["releasing_officer"]),
    ("brown", "AUS", "SECRET", ["CYBER"], ["author", "releasing_officer"]),
    ("davis", "USA", "SECRET", [], ["coordinator"]),
    # An administrator on every demo node, so each node's audit and federation pages
    # can be seen.
    ("miller", "USA", "TOP SECRET", ["BIAC", "CYBER"], ["admin"]),
    ("wilson", "AUS", "SECRET", ["CYBER"], ["admin"]),
]

# The bodies of the alliance structure each demo user belongs to.
DEMO_BODIES: dict[str, list[str]] = {
    "sato": ["jjoc", "mod-policy"],
    "tanaka": ["jjoc"],
    "smith": ["usfj"],
    "jones": ["usfj", "osd-policy"],
    "davis": ["usfj", "osd-policy"],
}

# title (en), title (ja), label, per originating nation
_DEMO_REPORTS: dict[str, list[tuple[str, str, str]]] = {}
_DEMO_REPORTS["JPN"] = [
    (
        "2+2 meeting summary, 28 July 2024",
        "日米「2+2」概要（2024年7月28日）",
        "UNCLASSIFIED//REL TO JPN, USA",
    ),
    (
        "ACM working group: JJOC counterpart options",
        "ACM作業部会：JJOCのカウンターパート案",
        "SECRET//REL TO JPN, USA",
    ),
    ("BIAC maritime activity assessment", "BIAC海洋活動評価", "SECRET//BIAC//REL TO JPN, USA"),
    ("Southwest islands local liaison plan", "南西諸島地元連絡計画", "CONFIDENTIAL//REL TO JPN"),
    ("Cyber incident coordination notes", "サイバー事案調整メモ", "SECRET//CYBER//REL TO JPN"),
    (
        "Multilateral exercise planning (AUS)",
        "多国間演習計画（豪）",
        "CONFIDENTIAL//REL TO JPN, USA, AUS",
    ),
]
_DEMO_REPORTS["USA"] = [
    ("INDOPACOM maritime picture", "インド太平洋軍 海洋状況", "SECRET//REL TO USA, JPN"),
    ("USFJ joint force headquarters transition", "在日米軍の統合軍司令部への移行",
     "CONFIDENTIAL//REL TO USA, JPN"),
    ("US-only force protection note", "米国限定 部隊防護メモ", "SECRET//REL TO USA"),
    ("Cyber threat brief for partners", "パートナー向けサイバー脅威概要",
     "SECRET//CYBER//REL TO USA, JPN, AUS"),
]  # fmt: skip
_DEMO_REPORTS["AUS"] = [
    ("Pacific islands outreach summary", "太平洋島嶼国への働きかけ概要",
     "UNCLASSIFIED//REL TO AUS, JPN, USA"),
]  # fmt: skip


def seed_demo(node: Node, *, own_users_only: bool = False) -> list[tuple[str, str]]:
    """Demo users with fresh random passwords (returned once) and a few reports. A
    node of a federation has only its own nation's users (`own_users_only`)."""
    made: list[tuple[str, str]] = []
    with node.db.write() as conn:
        for name, nation, clearance, comps, roles in DEMO_USERS:
            if own_users_only and nation != node.nation:
                continue
            password = secrets.token_urlsafe(12)
            identity.add_user(
                conn,
                policy=node.policy,
                actor=node.system.name,
                username=name,
                nation=nation,
                clearance=clearance,
                compartments=comps,
                roles=roles,
                bodies=DEMO_BODIES.get(name, []),
                password=password,
            )
            made.append((name, password))
    for title_en, title_ja, label_text in _DEMO_REPORTS.get(node.nation, []):
        label = parse(node.policy, label_text)
        report = {
            "type": "report",
            "name": title_en,
            "description": title_ja,
            "published": "2024-07-28T06:15:00.000Z",
            "report_types": ["threat-report"],
            "object_refs": ["identity--311b2d2d-f010-4473-83ec-1edf84858f4c"],
        }
        node.store.create(node.system, report, label)
    for domain in domains.installed():
        if domain.seed_demo is not None:
            domain.seed_demo(node)
    return made
