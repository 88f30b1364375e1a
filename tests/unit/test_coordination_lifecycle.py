"""The item lifecycle: every transition from every state, legal or not, and the rules
that turn answers into transitions."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest
from statemachine.exceptions import TransitionNotAllowed

from kizuna.domains.coordination.model import (
    EVENTS,
    Answer,
    Facts,
    ItemState,
    Lifecycle,
    ResponseKind,
    events_after_answer,
)

S = ItemState
# (state, event) -> (next state, guard it needs). Everything not listed is illegal.
LEGAL: dict[tuple[str, str], tuple[str, str | None]] = {
    (S.DRAFT, "propose"): (S.PROPOSED, None),
    (S.PROPOSED, "review"): (S.IN_REVIEW, None),
    (S.IN_REVIEW, "concur"): (S.CONCURRED, "needs_met"),
    (S.IN_REVIEW, "non_concur"): (S.NON_CONCURRED, None),
    (S.ESCALATED, "non_concur"): (S.NON_CONCURRED, None),
    (S.PROPOSED, "escalate"): (S.ESCALATED, "can_climb"),
    (S.IN_REVIEW, "escalate"): (S.ESCALATED, "can_climb"),
    (S.NON_CONCURRED, "escalate"): (S.ESCALATED, "can_climb"),
    (S.ESCALATED, "escalate"): (S.ESCALATED, "can_climb"),
    (S.CONCURRED, "decide"): (S.DECIDED, "needs_met"),
    (S.ESCALATED, "decide"): (S.DECIDED, "needs_met"),
    (S.DECIDED, "close"): (S.CLOSED, None),
    **{
        (state, "withdraw"): (S.WITHDRAWN, None)
        for state in (S.DRAFT, S.PROPOSED, S.IN_REVIEW, S.CONCURRED, S.NON_CONCURRED, S.ESCALATED)
    },
}


@dataclass
class Model:
    state: str
    needs_met: bool
    can_climb: bool


@pytest.mark.parametrize(
    ("state", "event", "needs_met", "can_climb"),
    list(product(list(ItemState), EVENTS, [True, False], [True, False])),
)
def test_every_transition_from_every_state(
    state: ItemState, event: str, needs_met: bool, can_climb: bool
) -> None:
    model = Model(state.value, needs_met, can_climb)
    machine = Lifecycle(model, state_field="state")
    legal = LEGAL.get((state, event))
    guard_ok = legal is not None and (
        legal[1] is None or {"needs_met": needs_met, "can_climb": can_climb}[legal[1]]
    )
    enabled = {e.id for e in machine.enabled_events()}
    assert (event in enabled) == guard_ok
    if guard_ok:
        assert legal is not None
        machine.send(event)
        assert model.state == legal[0]
    else:
        with pytest.raises(TransitionNotAllowed):
            machine.send(event)
        assert model.state == state.value


def test_closed_and_withdrawn_are_final() -> None:
    for state in (S.CLOSED, S.WITHDRAWN):
        machine = Lifecycle(Model(state.value, True, True), state_field="state")
        assert machine.enabled_events() == []


def _facts(state: str, *answers: tuple[str, ResponseKind], needs: str = "USA") -> Facts:
    return Facts(
        state=state,
        tier="operational",
        needs=frozenset(needs.split(",")),
        answers=tuple(Answer(n, k, "operational") for n, k in answers),
    )


def test_an_answer_moves_the_item() -> None:
    usa_concur = ("USA", ResponseKind.CONCUR)
    assert events_after_answer(_facts(S.PROPOSED, usa_concur)) == ["review", "concur"]
    assert events_after_answer(
        _facts(S.PROPOSED, ("USA", ResponseKind.REQUEST_FOR_INFORMATION))
    ) == ["review"]
    assert events_after_answer(_facts(S.IN_REVIEW, ("USA", ResponseKind.NON_CONCUR))) == [
        "non_concur"
    ]
    # A later concurrence replaces an earlier request for information.
    assert events_after_answer(
        _facts(S.IN_REVIEW, ("USA", ResponseKind.REQUEST_FOR_INFORMATION), usa_concur)
    ) == ["concur"]
    # A bilateral item needs both nations: one concurrence is not enough.
    assert events_after_answer(_facts(S.IN_REVIEW, usa_concur, needs="JPN,USA")) == []
    assert events_after_answer(
        _facts(S.ESCALATED, usa_concur, ("JPN", ResponseKind.CONCUR_WITH_COMMENTS), needs="JPN,USA")
    ) == ["decide"]


def test_answers_at_a_lower_tier_do_not_count_after_escalation() -> None:
    facts = Facts(
        state=S.ESCALATED,
        tier="policy",
        needs=frozenset({"JPN", "USA"}),
        answers=(
            Answer("USA", ResponseKind.CONCUR, "operational"),
            Answer("JPN", ResponseKind.CONCUR, "policy"),
        ),
    )
    assert not facts.needs_met
    assert events_after_answer(facts) == []
