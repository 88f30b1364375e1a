"""Objects for a form chosen from a search, not typed as ids.

A form field that holds object ids (a report's contents, a joint product's
contributions) is a picker: the objects chosen so far, each a ticked box with its
title; a search box; the hits of the last search, each an unticked box. "Find" sends
the whole form back to its own page by POST, so nothing typed is lost and nothing
lands in a URL, and the page comes back with the hits, its banner covering every hit
and chosen object it shows. A ticked box is a chosen object, so no script of ours is
needed. The ids may also be pasted, one per line, into the field's text box.

Chosen objects the reader may not read (or that do not exist) stay chosen as bare
ids, alike for both; the service that receives them judges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.store import Store
from kizuna.store.listing import Target, readable_targets, title_of
from kizuna.store.search import MAX_QUERY, search

__all__ = ["FIND", "Picker", "chosen_ids", "pickers"]

# The button that asks for a search names the field it searches for.
FIND = "find"
HITS = 10


@dataclass
class Picker:
    name: str
    query: str = ""
    chosen: list[str] = field(default_factory=list)
    targets: dict[str, Target] = field(default_factory=dict)
    found: list[Target] = field(default_factory=list)
    searched: bool = False
    error: str | None = None

    @property
    def labels(self) -> list[Label]:
        return [t.label for t in self.targets.values()] + [t.label for t in self.found]


def chosen_ids(form: FormData, name: str) -> list[str]:
    """The ids chosen in a picker: ticked boxes, then pasted lines, each once, in order."""
    values = [str(v).strip() for v in form.getlist(name)]
    values += str(form.get(f"{name}_ids", "")).splitlines()
    seen: dict[str, None] = {}
    for value in values:
        if value.strip():
            seen.setdefault(value.strip(), None)
    return list(seen)


def pickers(
    store: Store,
    principal: Principal,
    form: FormData | None,
    names: Iterable[str],
    lang: str = "en",
) -> dict[str, Picker]:
    """The pickers of a form as the reader left it; the one whose Find was pressed
    holds the hits of its search (read through the visibility condition), titled in
    the reader's `lang` as the objects list titles them."""
    out: dict[str, Picker] = {}
    asked = str(form.get(FIND, "")) if form is not None else ""
    for name in names:
        picker = Picker(name)
        if form is not None:
            picker.chosen = chosen_ids(form, name)
            picker.query = str(form.get(f"{name}_q", ""))[:MAX_QUERY].strip()
        picker.targets = readable_targets(store, principal, picker.chosen, lang)
        if asked == name and picker.query:
            picker.searched = True
            try:
                results = search(store, principal, picker.query, limit=HITS)
            except Invalid as exc:
                picker.error = str(exc)
            else:
                picker.found = [
                    Target(h.obj.id, title_of(h.obj.object, h.obj.id, lang), h.obj.label)
                    for h in results.hits
                    if h.obj.id not in picker.chosen
                ]
        out[name] = picker
    return out
