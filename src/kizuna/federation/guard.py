"""The guard: every object that arrives from a peer is judged here before it is
stored, independently of anything the sender says it checked, and it fails closed.

An object is accepted only when its signature verifies with the sending node's key,
its origin is the sender's nation, its label is releasable to this nation and within
the agreement with the sender, and the label its marking names is the one signed.
That the sender owns the object (no new versions of another nation's object) is
checked by the store when it writes. Anything else is a `Refusal` with its reason.
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


@dataclass(frozen=True)
class Refusal:
    object_id: str
    reason: str


def _label(policy: Policy, claims: dict[str, Any]) -> Label:
    try:
        rank = int(claims["rank"])
        policy.level(rank)
        rel_to = frozenset(policy.check_nation(str(n)) for n in claims["releasable_to"])
        comps = frozenset(policy.check_compartment(str(c)) for c in claims.get("compartments", []))
    except (KeyError, TypeError, ValueError, LabelError) as exc:
        raise ValueError(f"the signed label is malformed: {exc}") from exc
    return Label(rank, rel_to, comps)


def judge(policy: Policy, nation: str, peer: Peer, obj: Any) -> Accepted | Refusal:
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
    if obj.get("type") == "marking-definition":
        return Refusal(object_id, "label markings are minted by each node, not sent")
    try:
        label = _label(policy, signed.claims)
    except ValueError as exc:
        return Refusal(object_id, str(exc))
    text = render(policy, label)
    if nation not in label.rel_to:
        return Refusal(object_id, f"{text} is not releasable to {nation}")
    if peer.nation not in label.rel_to:
        return Refusal(object_id, f"{text} is not releasable to its originator")
    if not peer.within(label):
        return Refusal(object_id, f"{text} is outside the agreement with {peer.nation}")
    refs = signed.body.get("object_marking_refs") or []
    if not refs or refs[0] != marking_id(policy, label):
        return Refusal(object_id, "its marking is not the signed label's")
    return Accepted(signed, label)
