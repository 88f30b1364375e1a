"""Nations, bodies and the node's own actors in the reader's words.

Stored rows name a nation by its code (JPN) and a machine actor by a handle
(`node:USA` for what a partner's node sent, `system@JPN` for a node's background
work). A page shows instead the nation's name from the label policy, in the reader's
language (日本 / Japan), and a machine actor as what it is (米国のノード / the United
States node). The exact handle stays on hover, for whoever compares a page with the
audit log. A body (an office: jjoc, usfj) goes by its name as the installed domains
know it (`Node.bodies`), its id on hover. A code the policy, or an id the domains, do
not know is shown as it is, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape

from kizuna.labels import LabelError, Policy
from kizuna.runtime import NamedBody
from kizuna.web.i18n import N_, translations

__all__ = [
    "MECHANISM_NAMES",
    "ROLE_NAMES",
    "actor_name",
    "body_marked",
    "body_name",
    "level_name",
    "nation_marked",
    "nation_name",
    "nation_names",
    "person_name",
]

# A role by its code (accounts, the audit log's details).
ROLE_NAMES = {
    "reader": N_("Reader"),
    "author": N_("Author"),
    "releasing_officer": N_("Releasing officer"),
    "admin": N_("Administrator"),
    "coordinator": N_("Coordinator"),
    "translator": N_("Translator"),
}
# A domain by the name it registers its types under (store/owners.py): what keeps them.
MECHANISM_NAMES = {
    "coordination": N_("the coordination mechanism"),
    "glossary": N_("the glossary"),
    "incidents": N_("incident notification"),
    "intel": N_("the analysis cell (BIAC)"),
    "meetings": N_("the 2+2 record"),
    "attachments": N_("attachments"),
    "federation": N_("the federation"),
}

_NODE = "node:"
_SYSTEM = "system@"
# The actor of what nobody signed in did (a refused sign-in), as the audit records it.
_ANONYMOUS = "anonymous"


def nation_name(policy: Policy, code: str, lang: str) -> str:
    """The nation of `code` as the policy names it in `lang`; an unknown code as it is."""
    nation = policy.nations.get(code)
    if nation is None:
        return code
    return nation.ja if lang == "ja" else nation.en


def body_name(bodies: Mapping[str, NamedBody], body_id: str, lang: str) -> str:
    """The body of `body_id` by its name in `lang`; an id no domain knows, as it is."""
    body = bodies.get(body_id)
    if body is None:
        return body_id
    return body.ja if lang == "ja" else body.en


def body_marked(bodies: Mapping[str, NamedBody], body_id: str, lang: str) -> Markup:
    """The body of `body_id` in words with its id on hover, for whoever compares the
    page with what was typed or stored; an id no domain knows, as it is."""
    if body_id not in bodies:
        return escape(body_id)
    return Markup('<span class="body" title="{0}">{1}</span>').format(
        body_id, body_name(bodies, body_id, lang)
    )


def level_name(policy: Policy, name: str, lang: str) -> str | None:
    """The level the policy calls `name` (its English name) in `lang`; None for a
    name the policy does not know."""
    try:
        level = policy.level_named(name)
    except LabelError:
        return None
    return level.ja if lang == "ja" else level.name


def nation_marked(policy: Policy, code: str, lang: str) -> Markup:
    """The nation of `code` in words with the code on hover, where a reader may want
    the code itself (an account's nation, the header); an unknown code as it is."""
    if code not in policy.nations:
        return escape(code)
    return Markup('<span class="nation" title="{0}">{1}</span>').format(
        code, nation_name(policy, code, lang)
    )


def person_name(policy: Policy, name: str, nation: str, lang: str) -> Markup:
    """A person with their nation in words: sato（日本）/ davis (United States)."""
    said = translations(lang).gettext(N_("%(name)s (%(nation)s)"))
    return escape(said) % {"name": name, "nation": nation_marked(policy, nation, lang)}


def nation_names(
    policy: Policy, codes: Iterable[str], lang: str, *, first: str | None = None
) -> str:
    """Several nations, the reader's own (`first`) ahead of the others, as a label
    lists them: 日本、米国 / Japan, United States."""
    wanted = sorted({c.strip() for c in codes if c.strip()})
    ordered = [first] if first in wanted else []
    ordered += [c for c in wanted if c != first]
    names = [nation_name(policy, c, lang) for c in ordered]
    return ("、" if lang == "ja" else ", ").join(names)


def actor_name(policy: Policy, home: str, actor: str, lang: str) -> Markup:
    """Who wrote a version or took a step: a person by their user name; a partner's
    node and a node's background work in words, the handle on hover."""
    gettext = translations(lang).gettext
    if actor.startswith(_NODE):
        nation = actor[len(_NODE) :]
        said = gettext(N_("the %(nation)s node")) % {"nation": nation_name(policy, nation, lang)}
    elif actor.startswith(_SYSTEM):
        nation = actor[len(_SYSTEM) :]
        if nation == home:
            said = gettext(N_("this node (automatic)"))
        else:
            said = gettext(N_("the %(nation)s node (automatic)")) % {
                "nation": nation_name(policy, nation, lang)
            }
    elif actor == _ANONYMOUS:
        said = gettext(N_("someone not signed in"))
    else:
        return escape(actor)
    return Markup('<span class="actor" title="{0}">{1}</span>').format(actor, said)
