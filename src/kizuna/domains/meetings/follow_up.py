"""What follows a decision once it is recorded: reviews of each nation's compliance, links
to the work that carries it out, and corrections of what the importer read. Each is a new
object (or version) of the record, written with the domain's owner key and audited."""

from __future__ import annotations

import re
import unicodedata
from datetime import date as Date
from datetime import timedelta
from typing import Any

from kizuna import audit, clock
from kizuna.domains.meetings import OWNER, model
from kizuna.domains.meetings.ingest.vocab import ACTORS, STANCES
from kizuna.domains.meetings.owner import STIX_ID
from kizuna.errors import Invalid, NotFound
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, lub
from kizuna.runtime import Node
from kizuna.store import StoredObject, rules

__all__ = ["add_link", "add_review", "correct_decision", "may_write"]


def _decision(node: Node, principal: Principal, decision_id: str) -> StoredObject:
    if not decision_id.startswith(model.DECISION + "--"):
        raise NotFound(f"no decision {decision_id}", field="decision")
    return node.store.get(principal, decision_id)


def _label_or_default(node: Node, label: Label | None, *named: StoredObject) -> Label:
    """The label asked for, or the lowest that covers every object the new one names
    (a review or link is read with the ids it carries: `owner.follow_up_rules`)."""
    floor = Label(node.policy.lowest.rank, frozenset({node.nation}), frozenset())
    return label or lub([floor, *(o.label for o in named)]) or floor


_ROUND = re.compile(r"[12][0-9]{3}")


def add_review(
    node: Node,
    principal: Principal,
    *,
    decision_id: str,
    nation: str,
    score: int,
    evidence: str,
    date: str,
    round: str | None = None,
    label: Label | None = None,
) -> StoredObject:
    """A review of one nation's compliance with a decision: score −1, 0 or +1.

    Refuses a score outside −1..+1, an unknown nation, an empty evidence, a bad date or
    a round that is not a year (default: the date's year).
    The label may be higher than the decision's (assessments often are), never lower:
    whoever reads the review reads which decision it judges."""
    if score not in (-1, 0, 1):
        raise Invalid("score must be -1, 0 or +1", field="score")
    if nation not in node.policy.nations:
        raise Invalid(f"unknown nation {nation!r}", field="nation")
    if not evidence.strip():
        raise Invalid("evidence is required: say what the score rests on", field="evidence")
    try:
        day = Date.fromisoformat(date)
    except ValueError as exc:
        raise Invalid(f"date must be YYYY-MM-DD, not {date!r}", field="date") from exc
    # A review records evidence already seen; a day ahead allows for every time zone.
    if day > (clock.now() + timedelta(days=1)).date():
        raise Invalid(
            f"the review's date {day.isoformat()} is in the future: review what has happened",
            field="date",
        )
    # A round is a year's review (the G7 Research Group reviews by summit year): the
    # compliance table has a row per round, so free text there made rows of its own.
    round = unicodedata.normalize("NFKC", round).strip() if round else str(day.year)
    if not _ROUND.fullmatch(round):
        raise Invalid(
            f"round must be a year, such as {day.year} (the review round), not {round!r}",
            field="round",
        )
    decision = _decision(node, principal, decision_id)
    body = {
        "type": model.REVIEW,
        "decision_id": decision_id,
        "nation": nation,
        "score": score,
        "evidence": evidence.strip(),
        "date": day.isoformat(),
        "round": round,
    }
    return node.store.create(principal, body, _label_or_default(node, label, decision), owner=OWNER)


def add_link(
    node: Node,
    principal: Principal,
    *,
    decision_id: str,
    target: str,
    relation: str = "carried-out-by",
    description: str = "",
    label: Label | None = None,
) -> StoredObject:
    """Link a decision to the work that carries it out (a coordination item, a
    programme, an exercise: a STIX id or a name).

    An id must be of an object the principal may read (one this node does not hold, or
    holds out of their sight, is refused alike: name that work in words instead); the
    link's label dominates both the decision's and the target's."""
    if not target.strip():
        raise Invalid("target is required: the id or name of the work", field="target")
    decision = _decision(node, principal, decision_id)
    named = [decision]
    if STIX_ID.fullmatch(target.strip()):
        try:
            named.append(node.store.get(principal, target.strip()))
        except NotFound as exc:
            raise NotFound(
                f"no object {target.strip()} that you may read: name the work in words instead",
                field="target",
            ) from exc
    body = {
        "type": model.LINK,
        "decision_id": decision_id,
        "target": target.strip(),
        "relation": relation.strip() or "carried-out-by",
        **({"description": description.strip()} if description.strip() else {}),
    }
    return node.store.create(principal, body, _label_or_default(node, label, *named), owner=OWNER)


def may_write(node: Node, principal: Principal) -> bool:
    """Whether the principal imports texts and corrects decisions on this node: the
    pages offer those forms to no one else."""
    return rules.may(principal, Permission.OBJECT_WRITE, node.nation)


_DUE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _real_due(due: str) -> bool:
    """A year, a month of a year, or a day of the calendar: 2025-13 has the shape
    but is no month."""
    if not _DUE.match(due):
        return False
    try:
        Date.fromisoformat((due + "-01-01")[:10] if len(due) < 10 else due)
    except ValueError:
        return False
    return True


def correct_decision(
    node: Node,
    principal: Principal,
    decision_id: str,
    *,
    actor: str | None = None,
    stance: str | None = None,
    commitment: bool | None = None,
    owner: str | None = None,
    due: str | None = None,
    meeting_id: str | None = None,
) -> StoredObject:
    """An analyst's correction of what the importer read: a new version of the
    decision at the same label, with an audit entry naming the fields changed.
    Refuses (Invalid, nothing written) an unknown actor, stance or owner, or a due
    date that is not YYYY, YYYY-MM or YYYY-MM-DD (in either width of digits); and
    (NotFound) a decision that is not of `meeting_id`, when one is given."""
    # Before anything else: "nothing changed" is no answer to one who may not write.
    node.store.require(principal, Permission.OBJECT_WRITE, "correct decisions", decision_id)
    # The page's address names the meeting: a decision of another is not on it, and is
    # said as a missing one is (the answer tells nothing of the other meeting).
    of_meeting = meeting_id is None or (
        _decision(node, principal, decision_id).object.get("meeting_id") == meeting_id
    )
    if not of_meeting:
        raise NotFound(f"no decision {decision_id} of meeting {meeting_id}", field="decision")
    # A date typed with full-width digits (２０２７) is the same date: search takes both.
    due = unicodedata.normalize("NFKC", due).strip() if due is not None else None
    for value, allowed, name in ((actor, ACTORS, "actor"), (stance, STANCES, "stance")):
        if value is not None and value not in allowed:
            raise Invalid(f"unknown {name} {value!r}: one of {', '.join(allowed)}", field=name)
    if owner and owner not in ACTORS:
        raise Invalid(f"unknown owner {owner!r}: one of {', '.join(ACTORS)}", field="owner")
    if due and not _real_due(due):
        raise Invalid(f"due must be YYYY, YYYY-MM or YYYY-MM-DD, not {due!r}", field="due")
    current = _decision(node, principal, decision_id)
    body = {k: v for k, v in current.object.items() if k not in ("modified", "spec_version")}
    wanted: dict[str, Any] = {
        "actor": actor,
        "stance": stance,
        "commitment": None if commitment is None else int(commitment),
        "owner": owner,
        "due": due,
    }
    changed = {k: v for k, v in wanted.items() if v is not None and body.get(k, "") != v}
    if not changed:
        return current
    for key, value in changed.items():
        if value == "":
            body.pop(key, None)
        else:
            body[key] = value
    with node.store.transaction(principal) as conn:
        made = node.store.revise_in(conn, principal, decision_id, body, owner=OWNER)
        audit.append(
            conn,
            actor=principal.name,
            action="meetings.correct",
            target=decision_id,
            detail={"changed": changed, "version": made.version},
        )
    return made
