"""Ids of observables (STIX cyber-observables, SCOs): derived from content, scoped by label.

STIX derives an observable's id from its content (UUIDv5 over its id-contributing
properties), so the same address, domain or hash has the same id everywhere. Stored
once per node at one label, that id would answer a question: an author who may not
read an `ipv4-addr` held at SECRET could still create the same address and learn
from the collision that it is held (issue 11, reproduction 4).

The rule: an observable's id is derived from its content *and its label*.

- At the node's floor label (lowest level, this nation only, no compartment), a
  label every author of this node may read, the id is exactly STIX's: tools and
  bundles that compute it agree, and a collision there concerns an object its
  author may read anyway.
- At any other label the id is UUIDv5 over STIX's id, the label and a key derived
  from the node secret. The same observable at the same label is the same object
  (a second creation is a 409 about an object its author may read); at two labels it
  is two objects, so a creation never meets an observable its author cannot read.
  Without the node secret nobody can compute, from a guessed address, the id under
  which a higher label holds it, nor confirm a guess from an id seen in a reference.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from kizuna.labels import Label
from kizuna.store.keys import subkey

__all__ = ["NAMESPACE", "floor", "scoped_id"]

# Fixed forever: ids of observables stored above the floor derive from it.
NAMESPACE = uuid.UUID("1b0e5b4e-6f0a-5c43-8d0b-6b697a756e61")


def floor(rank: int, nation: str) -> Label:
    """The label every author of the node may read."""
    return Label(rank, frozenset({nation}), frozenset())


def _canonical(label: Label) -> str:
    return f"{label.rank}|{','.join(sorted(label.rel_to))}|{'/'.join(sorted(label.compartments))}"


def scoped_id(body: dict[str, Any], label: Label, *, secret: bytes, floor_label: Label) -> str:
    """The id under which this node stores the observable `body` at `label`."""
    stix_id = str(body["id"])
    if label == floor_label:
        return stix_id
    key = subkey(secret, "observable ids")
    mac = hmac.new(key, f"{_canonical(label)}\n{stix_id}".encode(), hashlib.sha256).hexdigest()
    return f"{body['type']}--{uuid.uuid5(NAMESPACE, mac)}"
