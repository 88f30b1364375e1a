"""The guard: every object that arrives from a peer is judged here before it is
stored, independently of anything the sender says it checked, and it fails closed.

An object is accepted only when its signature verifies with the sending node's key,
its origin is the sender's nation, it names the origin's version number, its label is
releasable to this nation and within the agreement with the sender, the label its
marking names is the one signed, and it is no larger than `max_bytes`. That the sender
owns the object (no new versions of another nation's object) and its domain's rules
are checked by the store when it writes. Anything else is a `Refusal` with its reason.

A refusal says whether the object was authentic (its signature verified: its claims,
`added` among them, are the sender's own word) and whether it is spillage (a label
not releasable to this nation or above the agreement): a spilled object's body must not
be kept here, and its sender is told (see `spillage.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kizuna.federation.peers import Peer
from kizuna.federation.signing import Signed, unwrap, verify
from kizuna.labels import Label, LabelError, Policy, render
from kizuna.stix.markings import marking_id

__all__ = ["Accepted", "Refusal", "judge"]


@dataclass(frozen=True)
class Accepted:
    signed: Signed
    label: Label
    label_text: str


@dataclass(frozen=True)
class Refusal:
    object_id: str
    reason: str
    # The label the object claims, as text ("" when there is none to read).
    label_text: str = ""
    spillage: bool = False
    # The signed `added` claim, only when the signature verified.
    added: str | None = None
    # Its body is not kept either: it is about an object a recall hid here.
    withheld: bool = False


def _label(policy: Policy, claims: dict[str, Any]) -> Label:
    try:
        rank = int(claims["rank"])
        policy.level(rank)
        rel_to = frozenset(policy.check_nation(str(n)) for n in claims["releasable_to"])
        comps = frozenset(policy.check_compartment(str(c)) for c in claims.get("compartments", []))
    except (KeyError, TypeError, ValueError, LabelError) as exc:
        raise ValueError(f"the signed label is malformed: {exc}") from exc
    return Label(rank, rel_to, comps)


def judge(
    policy: Policy, nation: str, peer: Peer, obj: Any, *, max_bytes: int = 1_048_576
) -> Accepted | Refusal:
    """Judge one arriving object for this node (`nation`) from `peer`."""
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        return Refusal("", "not a STIX object with an id")
    object_id = obj["id"]
    signed = unwrap(obj)
    if not signed.claims:
        return Refusal(object_id, "unsigned: no signature extension")
    if not verify(peer.public_key, signed):
        return Refusal(object_id, f"the signature does not verify with {peer.nation}'s key")
    if signed.origin != peer.nation:
        return Refusal(
            object_id, f"originator {signed.origin or '?'} is not the sender {peer.nation}"
        )
    # From here on the claims are the sender's own word.
    added = signed.added

    def refused(reason: str, text: str = "", *, spillage: bool = False) -> Refusal:
        return Refusal(object_id, reason, text, spillage, added)

    if obj.get("type") == "marking-definition":
        return refused("label markings are minted by each node, not sent")
    try:
        label = _label(policy, signed.claims)
    except ValueError as exc:
        return refused(str(exc))
    text = render(policy, label)
    if nation not in label.rel_to:
        return refused(f"{text} is not releasable to {nation}", text, spillage=True)
    if not peer.within(label):
        return refused(f"{text} is outside the agreement with {peer.nation}", text, spillage=True)
    if peer.nation not in label.rel_to:
        return refused(f"{text} is not releasable to its originator", text)
    if signed.version is None:
        return refused("the signed claims name no version number", text)
    refs = signed.body.get("object_marking_refs") or []
    if not refs or refs[0] != marking_id(policy, label):
        return refused("its marking is not the signed label's", text)
    # What the origin signed (the body, compact, and the claims) is the measure: it is
    # made for the signature check already, and bounds the body stored.
    size = len(signed.message)
    if size > max_bytes:
        return refused(f"{size} bytes: larger than the {max_bytes} a node accepts", text)
    return Accepted(signed, label, text)
