"""What a joint product's approving nations must be able to read and to receive.

Each officer reads what they approve, and the release reaches every nation that
approved it. So, whenever a product is drafted, edited or approved:

- every contribution is read by whoever reads the draft: its label is dominated by the
  draft's (releasable to every approving nation, no higher, no other compartment);
- the target label is within the drafter's own clearance (as the store holds every
  label an author writes), so that the drafter still reads the product once released;
- the draft and the target label are within what this node agreed with each approving
  nation that has a node of its own: a label above the agreement never reaches that
  node (its guard would refuse it, or recall it), so that nation would approve a
  release it never receives.

Each check raises `Invalid` naming the field at fault, or `Refused` (403, audited by
the store's transaction it runs in) for a label above the author's clearance.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, select

from kizuna.db.schema import access, objects, versions
from kizuna.errors import Invalid, Refused
from kizuna.federation.peers import find_peer
from kizuna.identity.principal import Principal
from kizuna.labels import Label, Policy, dominates, render, render_ceiling
from kizuna.store import Store, StoredObject
from kizuna.store.access import current, visible
from kizuna.store.rows import label_of_row

__all__ = ["check_agreements", "check_contributions", "check_target", "unfit_contributions"]


def check_contributions(policy: Policy, found: Iterable[StoredObject], draft: Label) -> None:
    """Every contribution is readable by every reader of the draft."""
    for c in found:
        if not dominates(draft, c.label):
            raise Invalid(
                f"contribution {c.id} ({render(policy, c.label)}) is not readable by every "
                f"reader of the draft ({render(policy, draft)}): each approving nation's "
                "officer reads what they approve, so a contribution is releasable to "
                "every approving nation, at the draft's level and compartments or below",
                field="contributions",
            )


def check_target(policy: Policy, principal: Principal, target: Label) -> None:
    """The target label is within the drafter's clearance: the node releases the
    product to it, and a drafter who could not read it would lose their own product."""
    held = principal.clearance
    missing = sorted(target.compartments - held.compartments)
    if target.rank <= held.rank and not missing:
        return
    said = render(policy, target)
    raise Refused(
        f"target_label: {said} is above the clearance of {principal.name}"
        if target.rank > held.rank
        else f"target_label: {said} names {', '.join(missing)}, a compartment "
        f"{principal.name} does not hold",
        field="target_label",
        action="intel:joint:draft",
        label=said,
    )


def check_agreements(
    conn: Connection, policy: Policy, own: str, nations: Iterable[str], label: Label, field: str
) -> None:
    """`label` is within this node's agreement with each of `nations` that is a peer
    (a nation without a node of its own reads on this one: no agreement applies)."""
    for nation in sorted(set(nations) - {own}):
        peer = find_peer(conn, nation)
        if peer is None or peer.within(label):
            continue
        agreed = render_ceiling(policy, peer.max_rank, peer.compartments)
        raise Invalid(
            f"{field}: {render(policy, label)} is above what this node agreed with "
            f"{nation} ({agreed}): {nation}'s node would never receive it",
            field=field,
        )


def unfit_contributions(
    conn: Connection, store: Store, refs: Iterable[str], draft: Label
) -> list[str]:
    """The contributions (of `refs`) that this node no longer holds, or whose current
    label is no longer dominated by the draft's: narrowed, raised or recalled after the
    product was drafted. Read as the node (the check is the node's, not a reader's)."""
    wanted = sorted(set(refs))
    system = Principal.system(nation=store.node.nation, policy=store.policy)
    rows = conn.execute(
        select(objects.c.stix_id, versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id.in_(wanted), visible(system, store.bits))
    ).all()
    fit = {row.stix_id for row in rows if dominates(draft, label_of_row(row))}
    return [ref for ref in wanted if ref not in fit]
