"""The cell's use cases. Every function takes the acting principal; the store applies
the label rules, this module the cell's own.

A joint product is drafted inside the cell: its draft label names every nation whose
releasing officer must approve (so each can read what they approve), and it carries
the target label it is to be released at. Its approvals and release are in `joint`.
"""

from __future__ import annotations

from typing import Any

from kizuna import clock
from kizuna.domains.intel import OWNER, approvers, model
from kizuna.errors import Invalid, NotFound
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, parse, render
from kizuna.stix.types import JOINT_PRODUCT
from kizuna.store import Page, Store, StoredObject
from kizuna.store.listing import Listing, counted, list_page

__all__ = ["FIELDS", "REQUIRED", "check_refs", "check_types", "create", "listing", "missing"]

# What each kind's `fields` may hold, with the JSON type each takes. The object is
# built from these alone, so any other key (a typo, a custom `x_` property) would be
# dropped unseen: it is refused. A custom property travels in a STIX bundle or a TAXII
# POST, which keep the whole body. A value of another type is refused by its name
# before anything reads it: a string split as a list would be stored as its letters.
TEXT, TEXTS, NUMBER = "a string", "a list of strings", "a whole number"
FIELDS: dict[str, dict[str, str]] = {
    "reports": {
        "name": TEXT, "description": TEXT, "object_refs": TEXTS, "published": TEXT,
        "lang": TEXT,
    },
    "assessments": {
        "name": TEXT, "name_ja": TEXT, "judgement": TEXT, "confidence": NUMBER,
        "sources": TEXTS, "region": TEXT, "domains": TEXTS,
    },
    "observations": {
        "observed_at": TEXT, "place": TEXT, "description": TEXT, "description_ja": TEXT,
        "source_reliability": TEXT, "domains": TEXTS,
    },
    "joint-products": {
        "name": TEXT, "description": TEXT, "contributions": TEXTS, "nations": TEXTS,
        "target_label": TEXT,
    },
}  # fmt: skip

# What a kind cannot be without: every one missing is named at once.
REQUIRED: dict[str, tuple[str, ...]] = {
    "reports": ("name", "object_refs"),
    "assessments": ("name", "judgement", "confidence"),
    "observations": ("observed_at", "place", "description", "source_reliability"),
    "joint-products": ("contributions",),
}


def _is(value: Any, json_type: str) -> bool:
    if value is None:
        return True  # left out, as a missing key is
    if json_type == TEXT:
        return isinstance(value, str)
    if json_type == TEXTS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    # A page's form sends the number as text; `_confidence` reads it.
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number or isinstance(value, str)


def check_types(kind_key: str, fields: dict[str, Any], prefix: str = "fields") -> None:
    """Refuse, naming it, the first field whose JSON type is not the one it takes."""
    for key, json_type in FIELDS[kind_key].items():
        if key in fields and not _is(fields[key], json_type):
            raise Invalid(
                f"{prefix}.{key} must be {json_type}, not {_json_name(fields[key])}",
                field=f"{prefix}.{key}",
            )


def _json_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list holding something other than strings"
    if isinstance(value, str):
        return "a string"
    return "a number"


def missing(kind_key: str, fields: dict[str, Any]) -> list[str]:
    """The required fields left out or empty, in the order the form shows them."""
    return [k for k in REQUIRED[kind_key] if fields.get(k) in (None, "", [])
            or (isinstance(fields.get(k), str) and not fields[k].strip())]  # fmt: skip


_BY_MODIFIED = {k.key: Listing(type=k.stix_type, sort="modified", dir="desc") for k in model.KINDS}


def listing(
    store: Store, principal: Principal, kind: model.Kind, *, limit: int = 100,
    cursor_token: str | None = None,
) -> Page:  # fmt: skip
    """The objects of a kind the principal may read, last modified first: the order of
    the date a list shows, whichever node the objects arrived from and when."""
    found = list_page(store, principal, _BY_MODIFIED[kind.key], size=limit,
                      cursor_token=cursor_token)  # fmt: skip
    return Page([obj for obj, _title in found.rows], found.next)


def count(store: Store, principal: Principal, kind: model.Kind) -> tuple[int, list[Label]]:
    """How many objects of the kind the principal may read (counted in SQL), with the
    labels of those counted: a page showing the count raises its banner to them."""
    return counted(store, principal, Listing(type=kind.stix_type))


def _label(store: Store, text: str | None, field: str) -> Label:
    if not text:
        return Label(store.policy.lowest.rank, frozenset({store.node.nation}))
    try:
        return parse(store.policy, text, originator=store.node.nation)
    except LabelError as exc:
        raise Invalid(f"{field}: {exc}", field=field) from exc


def check_refs(
    store: Store, principal: Principal, ids: list[str], field: str
) -> list[StoredObject]:
    """Objects a new object points at must exist and be readable by its author."""
    found = []
    for ref in ids:
        try:
            found.append(store.get(principal, ref))
        except NotFound:
            raise Invalid(f"{field}: no object {ref}", field=field) from None
    return found


def create(
    store: Store, principal: Principal, kind: model.Kind, fields: dict[str, Any],
    label_text: str | None,
) -> StoredObject:  # fmt: skip
    """A new report, assessment, observation or joint product at `label_text`. A key
    of `fields` the kind does not take is refused, naming it."""
    unknown = sorted(set(fields) - set(FIELDS[kind.key]))
    if unknown:
        # Every one named at once (walk 44: a second was told only after the first).
        said = ", ".join(repr(k) for k in unknown)
        raise Invalid(
            f"fields: unknown key{'s' if len(unknown) > 1 else ''} {said}; "
            f"{kind.en.lower()} take {', '.join(FIELDS[kind.key])}",
            field=f"fields.{unknown[0]}",
        )
    check_types(kind.key, fields)
    label = _label(store, label_text, "label")
    # The caller first, as the store checks a creation: role, then clearance (403), and
    # only then the cell's own rules of the label (a joint product's agreement, 422).
    store.require(principal, Permission.OBJECT_WRITE, "create objects", label=label)
    # Every one at once (walk 50: an empty form named only the confidence).
    absent = missing(kind.key, fields)
    if absent:
        said = ", ".join(repr(k) for k in absent)
        raise Invalid(
            f"{said} {'are required properties' if len(absent) > 1 else 'is a required property'}",
            field=absent[0],  # as the schema names a missing property
        )
    if kind.key == "reports":
        refs = list(fields.get("object_refs") or [])
        if not refs:
            raise Invalid("a report gathers at least one object", field="object_refs")
        check_refs(store, principal, refs, "object_refs")
        obj = model.report(
            name=fields.get("name", ""),
            description=fields.get("description"),
            published=fields.get("published") or clock.now_ts(),
            object_refs=refs,
            lang=fields.get("lang"),
        )
    elif kind.key == "assessments":
        obj = model.assessment(
            name=fields.get("name", ""),
            name_ja=fields.get("name_ja"),
            judgement=fields.get("judgement", ""),
            confidence=_confidence(fields.get("confidence")),
            sources=list(fields.get("sources") or []),
            region=fields.get("region"),
            domains=list(fields.get("domains") or []),
        )
    elif kind.key == "observations":
        obj = model.observation(
            observed_at=_timestamp(fields.get("observed_at")),
            place=fields.get("place", ""),
            description=fields.get("description", ""),
            description_ja=fields.get("description_ja"),
            source_reliability=str(fields.get("source_reliability", "")).upper(),
            domains=list(fields.get("domains") or []),
        )
    else:
        obj, target = _joint_product(store, principal, fields, label)
        # In the store's transaction, so that a refusal is audited as the store's are.
        with store.transaction(principal) as conn:
            approvers.check_target(store.policy, principal, target)
            nations = obj["extensions"][JOINT_PRODUCT]["nations"]
            for what, checked in (("label", label), ("target_label", target)):
                approvers.check_agreements(
                    conn, store.policy, store.node.nation, nations, checked, what
                )
            return store.create_in(conn, principal, obj, label, owner=OWNER)
    return store.create(principal, obj, label, owner=OWNER)


def _confidence(value: Any) -> int:
    # Missing is said as the schema says every other missing property, not as a bad
    # number; int() would also take True, or cut 60.5 down to 60: not what was written.
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid("'confidence' is a required property", field="confidence")
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    cut = isinstance(value, bool) or (isinstance(value, float) and value != number)
    # The range too: the schema's "101 is greater than the maximum of 100" reached a
    # page as "the value was not accepted" (walk 50).
    if number is None or cut or not 0 <= number <= 100:
        raise Invalid("confidence must be a whole number from 0 to 100", field="confidence")
    return number


def _timestamp(value: Any) -> str:
    try:
        return clock.format_ts(clock.parse_ts(str(value)))[:-4] + "Z"
    except ValueError:
        raise Invalid(f"not a time: {value!r}", field="observed_at") from None


def _joint_product(
    store: Store, principal: Principal, fields: dict[str, Any], draft: Label
) -> tuple[dict[str, Any], Label]:
    contributions = list(fields.get("contributions") or [])
    found = check_refs(store, principal, contributions, "contributions")
    if not found:
        raise Invalid("a joint product gathers at least one contribution", field="contributions")
    # The approving nations are those the draft is releasable to: each reads what it
    # approves, and the draft's label, which an edit cannot change, fixes them.
    nations = sorted(draft.rel_to)
    if len(nations) < 2:
        raise Invalid(
            "a joint product is of at least two nations: draft it at a label releasable "
            "to the partner nations who approve it",
            field="label",
        )
    named = {str(n).strip().upper() for n in fields.get("nations") or [] if str(n).strip()}
    if named and named | {store.node.nation} != set(nations):
        raise Invalid(
            f"the approving nations are those of the draft label ({', '.join(nations)}); "
            "leave nations out, or draft at a label releasable to exactly the nations named",
            field="nations",
        )
    missing = sorted({c.origin for c in found} - set(nations))
    if missing:
        raise Invalid(
            f"the draft must be readable by the contributing nations; add {', '.join(missing)}",
            field="label",
        )
    approvers.check_contributions(store.policy, found, draft)
    target = _label(store, fields.get("target_label"), "target_label")
    missing = [n for n in nations if n not in target.rel_to]
    if missing:
        raise Invalid(
            f"the target label must be releasable to {', '.join(nations)}",
            field="target_label",
        )
    if target == draft:
        raise Invalid("the target label is the draft's: nothing to release", field="target_label")
    return model.joint_product(
        name=fields.get("name", ""),
        description=fields.get("description"),
        contributions=contributions,
        nations=nations,
        target_label=render(store.policy, target),
    ), target
