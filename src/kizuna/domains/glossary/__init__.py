"""The alliance glossary: terms in Japanese and English (同盟調整メカニズム, Alliance
Coordination Mechanism; 存立危機事態, survival-threatening situation; ACG; 仮訳), with
readings, abbreviations, definitions, the public source and whether a translator
verified them, for translators and readers to look up in either language (issue 15).
Terms are labelled objects like any other and federate where releasable."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kizuna.runtime import Domain, Node
from kizuna.store.owners import OwnerKey

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

__all__ = ["DOMAIN", "MARKS", "OWNER"]

# Passed by this domain's service to every store write of its own type.
OWNER = OwnerKey("glossary")
# Where the node keeps the glossary's marker of texts (node.extras): a page of any
# domain calls it to link the terms a text names, without importing this package.
MARKS = "glossary.marks"


def _install(node: Node) -> None:
    from kizuna.domains.glossary import queries
    from kizuna.domains.glossary.federation import arrived
    from kizuna.domains.glossary.model import TERM_TYPE
    from kizuna.domains.glossary.rules import owner_rules

    # Terms take the glossary's own paths; a release decision (the label alone) may
    # take the generic one. The rules judge every version, a peer's included.
    node.store.owners.register(
        TERM_TYPE,
        domain="glossary",
        endpoint="POST /api/v1/glossary (PUT /api/v1/glossary/{id} to edit)",
        rules=owner_rules,
        open_to=frozenset({"release"}),
        key=OWNER,
    )
    node.arrival_hooks.append(arrived)
    node.extras[MARKS] = lambda principal, text: queries.marks(node.store, principal, text)
    # The object page names the properties and coded values as the glossary pages do.
    from kizuna.domains.glossary.property_words import PROPERTY_WORDS, VALUE_WORDS

    node.property_words.update(PROPERTY_WORDS)
    node.value_words.update(VALUE_WORDS)


def _routers() -> list[APIRouter]:
    from kizuna.domains.glossary import api, pages

    return [api.router, pages.router]


def _commands() -> list[tuple[str, Typer]]:
    from kizuna.domains.glossary.cli import app

    return [("glossary", app)]


def _seed(node: Node) -> None:
    from kizuna.domains.glossary.demo import seed_demo

    seed_demo(node)


DOMAIN = Domain(
    name="glossary",
    install=_install,
    routers=_routers,
    commands=_commands,
    migrations=Path(__file__).parent / "migrations",
    seed_demo=_seed,
)
