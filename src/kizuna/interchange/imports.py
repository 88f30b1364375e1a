"""Bring STIX 2.1 objects into the store: from a bundle file or a TAXII envelope.

Each object is judged on its own, so that one bad object costs only itself: the
result lists every object with its outcome. The new ones are written together, in one
batch of the store (`Store.create_many_in`), which refuses only the objects that break
a rule; an object whose id is held becomes a new version, as before. The label of an object is
the Kizuna marking it references (defined in the same batch or already known to
the node), else what its TLP marking means (see `markings.label_of`), else the
default of a new object: the lowest level, releasable to this node's nation only.
Every rule of the store applies, releasability beyond the node's nation included.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from kizuna import audit
from kizuna.errors import Conflict, Invalid, NotFound, Refused, StoreError
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.stix.markings import TLP, label_from_marking, label_of
from kizuna.stix.validate import is_versioned
from kizuna.store import Store

__all__ = ["Outcome", "import_objects", "read_bundle"]

_log = logging.getLogger("kizuna.interchange")


@dataclass(frozen=True)
class Outcome:
    id: str | None
    version: str | None
    ok: bool
    message: str

    def as_taxii(self) -> dict[str, Any]:
        made: dict[str, Any] = {"id": self.id or "", "message": self.message}
        if self.version:
            made["version"] = self.version
        return made


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _known_markings(
    store: Store, principal: Principal, objs: list[Any]
) -> dict[str, dict[str, Any]]:
    """Kizuna label markings of the batch, and those it references that the node has
    (read with the caller's own visibility, like any object)."""
    found: dict[str, dict[str, Any]] = {}
    for obj in objs:
        if isinstance(obj, dict) and obj.get("type") == "marking-definition":
            found[str(obj.get("id"))] = obj
    wanted = {
        str(ref)
        for obj in objs
        if isinstance(obj, dict)
        # Anything but a list is the object's own fault, named when it is validated.
        for ref in _listed(obj.get("object_marking_refs"))
        if isinstance(ref, str) and ref not in found and ref not in TLP
    }
    for ref in sorted(wanted):
        if not ref.startswith("marking-definition--"):
            continue
        try:
            found[ref] = store.get(principal, ref).object
        except NotFound:
            continue
    return found


def _judge(
    store: Store,
    principal: Principal,
    obj: Any,
    markings: dict[str, dict[str, Any]],
    allowed: frozenset[str] | None,
) -> Outcome | Label:
    """The outcome of an object that needs no write, or the label to write it at."""
    if not isinstance(obj, dict):
        return Outcome(None, None, False, "not a JSON object")
    stix_id, version = _names(obj)
    stix_type = obj.get("type")
    try:
        if stix_type == "marking-definition":
            if stix_id in TLP:
                return Outcome(stix_id, version, True, "TLP marking: known")
            label_from_marking(store.policy, obj)
            return Outcome(stix_id, version, True, "Kizuna label marking: known")
        if allowed is not None and stix_type not in allowed:
            raise Invalid(f"this collection does not hold {stix_type} objects", field="type")
        return label_of(store.policy, obj, markings, nation=store.node.nation) or Label(
            store.policy.lowest.rank, frozenset({store.node.nation})
        )
    except StoreError as exc:
        return Outcome(stix_id, version, False, str(exc))
    except Exception:
        # One object's fault, whatever it is, costs only that object (DESIGN §2.11).
        _log.exception("importing %s failed", stix_id or "an object")
        return Outcome(stix_id, version, False, "this object could not be stored (logged)")


def _names(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    stix_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    version = obj.get("modified") if isinstance(obj.get("modified"), str) else None
    return stix_id, version


def _guarded(write: Callable[[], Outcome], obj: dict[str, Any]) -> Outcome:
    stix_id, version = _names(obj)
    try:
        return write()
    except StoreError as exc:
        return Outcome(stix_id, version, False, str(exc))
    except Exception:
        _log.exception("importing %s failed", stix_id or "an object")
        return Outcome(stix_id, version, False, "this object could not be stored (logged)")


def _write_all(
    store: Store, principal: Principal, writes: list[tuple[int, dict[str, Any], Label]]
) -> dict[int, Outcome]:
    """Create the objects in one batch; an object whose id is held takes the path of a
    new version (`_held`). Should the batch fail as a whole, each object is written on
    its own, as before batches."""
    try:
        with store.transaction(principal) as conn:
            batch = store.create_many_in(conn, principal, [(o, lb) for _, o, lb in writes])
    except Refused as exc:
        # The principal may not create at all: every object is told why.
        return {i: Outcome(*_names(o), False, str(exc)) for i, o, _ in writes}
    except Exception:
        _log.exception("a batch of %d objects failed; writing them one by one", len(writes))
        return {i: _guarded(partial(_write, store, principal, o, lb), o) for i, o, lb in writes}
    outcomes: dict[int, Outcome] = {}
    made = iter(batch.made)
    refused = dict(batch.refused)
    for position, (i, obj, label) in enumerate(writes):
        error = refused.get(position)
        if error is None:
            one = next(made)
            outcomes[i] = Outcome(one.id, one.modified or None, True, "created")
        elif isinstance(error, Conflict):
            stix_id = error.target or _names(obj)[0]
            outcomes[i] = _guarded(partial(_held, store, principal, obj, label, stix_id), obj)
        else:
            outcomes[i] = Outcome(*_names(obj), False, str(error))
    return outcomes


def _write(store: Store, principal: Principal, obj: dict[str, Any], label: Label) -> Outcome:
    stix_id, _ = _names(obj)
    try:
        made = store.create(principal, obj, label)
        return Outcome(made.id, made.modified or None, True, "created")
    except Conflict as exc:
        # An observable's id derives from its content (and its label): the one that
        # exists is the one this object would have been, whatever id it named.
        return _held(store, principal, obj, label, exc.target or stix_id)


def _held(
    store: Store, principal: Principal, obj: dict[str, Any], label: Label, stix_id: str | None
) -> Outcome:
    """An object whose id is held: the same version again, or a new version of it."""
    version = _names(obj)[1]
    if stix_id is None:
        raise Invalid("the object collides with one stored, and names no id", field="object.id")
    current = store.get(principal, stix_id)
    if current.modified == (version or "") or not is_versioned(current.type):
        # The same version again: stored once, reported as a success.
        return Outcome(stix_id, current.modified or None, True, "already stored")
    # A partner's object is refused by the store for whose it is (audited), before
    # anything is said of its label.
    if current.label != label and current.origin == store.node.nation:
        raise Invalid(
            f"{stix_id} is labelled {current.label_text}; a new label is a release "
            "decision, taken through the release endpoint",
            field="object_marking_refs",
        )
    made = store.revise(principal, stix_id, obj)
    return Outcome(made.id, made.modified, True, f"version {made.version}")


def import_objects(
    store: Store,
    principal: Principal,
    objs: Iterable[Any],
    *,
    source: str,
    allowed: frozenset[str] | None = None,
) -> list[Outcome]:
    """Import every object on its own, the new ones written together in one batch;
    audited once for the whole import."""
    batch = list(objs)
    try:
        markings = _known_markings(store, principal, batch)
    except StoreError:
        markings = {}
    outcomes: dict[int, Outcome] = {}
    writes: list[tuple[int, dict[str, Any], Label]] = []
    for i, obj in enumerate(batch):
        judged = _judge(store, principal, obj, markings, allowed)
        if isinstance(judged, Outcome):
            outcomes[i] = judged
        else:
            writes.append((i, obj, judged))
    if writes:
        outcomes.update(_write_all(store, principal, writes))
    ordered = [outcomes[i] for i in range(len(batch))]
    good = sum(o.ok for o in ordered)
    with store.db.write() as conn:
        audit.append(
            conn,
            actor=principal.name,
            action="stix.import",
            detail={"source": source, "total": len(ordered), "ok": good,
                    "failed": len(ordered) - good},
        )  # fmt: skip
    return ordered


def read_bundle(text: str) -> list[Any]:
    """The objects of a STIX bundle file."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Invalid(f"not JSON: {exc}", field="bundle") from exc
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise Invalid("not a STIX bundle (its type must be 'bundle')", field="bundle.type")
    objects = data.get("objects", [])
    if not isinstance(objects, list):
        raise Invalid("the bundle's objects must be a list", field="bundle.objects")
    return objects
