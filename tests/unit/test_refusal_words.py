"""The staff's refusals (taskers, RFIs, their receipts) in the reader's words, in both
languages (walk 47: 「区分：the tasker must be releasable to USA, whose offices it
tasks」 on a Japanese page); a refusal's named parts filled in, nations in words."""

from __future__ import annotations

import pytest

from kizuna.labels import default_policy
from kizuna.web.i18n import translations
from kizuna.web.refusal_words import recognised, refusal_said

POLICY = default_policy()

# Each refusal the services write, as they write it (taskers.py, rfis.py, receipts.py,
# rules.py, service.py): none may reach a page in the developers' English.
STAFF_REFUSALS = [
    "the tasker must be releasable to USA, whose offices it tasks",
    "the RFI must be releasable to USA, whose body it asks",
    "'usfj' is a body of USA; a tasker on this node is issued by a body of JPN or a bilateral one",
    "'usfj' is a body of USA; an RFI on this node is asked by a body of JPN or a bilateral one",
    "'usfj' is a body of USA, not of JPN",
    "'jjoc' is not tasked: the offices are bocc, mod-policy",
    "the OPR may be neither an OCR nor the issuing body",
    "the suspense has passed: give one still to come",
    "the suspense needs its time zone (e.g. Z or +09:00)",
    "say why the suspense cannot be met, in the note",
    "the tasker is complete",
    "a tasker without an item needs a label",
    "a standalone RFI needs a label",
    "a tasker on an item carries the item's label, SECRET//REL TO JPN, USA: leave the label out",
    "x-kizuna-coordination-item--00000000-0000-4000-8000-000000000000 names no "
    "coordination item mori may read",
    "an RFI is addressed to another body",
    "an RFI of USA is moved on its own node",
    "an RFI that is open cannot close",
    "'answer' is not a step of an RFI; ask for one of: close, withdraw, reopen",
    "the RFI is closed: its thread is over",
    "a reply says something, in Japanese or English",
    "only bocc, whom the RFI asks, answers it; others reply without answering",
    "davis issues the taskers of USA on its own node",
    "davis writes the RFIs of USA on its own node",
    "davis reports for USA on its own node",
    "unknown body 'nope'; known: bocc, jjoc",
    "sato is not a member of usfj and may not task for it",
    "x-kizuna-rfi--1 did not reach jjoc on this node: there is no receipt to acknowledge",
    "acknowledged by kato already",
]


@pytest.mark.parametrize("said", STAFF_REFUSALS)
def test_every_staff_refusal_reads_in_japanese_and_english(said: str) -> None:
    key = recognised(said)
    assert key is not None, said
    assert translations("ja").gettext(key) != key


def test_a_refusals_nations_and_agreement_are_filled_in_the_readers_words() -> None:
    tasker = "the tasker must be releasable to AUS, USA, whose offices it tasks"
    assert refusal_said(tasker, "en", POLICY) == (
        "the tasker must be releasable to Australia, United States, whose offices it "
        "tasks: name them after REL TO."
    )
    assert "（豪州、米国）" in str(refusal_said(tasker, "ja", POLICY))
    agreed = (
        "label: TOP SECRET//REL TO JPN, USA is above what this node agreed with USA "
        "(SECRET//BIAC/CYBER): USA's node would never receive it"
    )
    assert "米国と結んだ取決め（極秘//BIAC/CYBER）" in str(refusal_said(agreed, "ja", POLICY))
    # Without the policy, the codes as they were written.
    assert "agreed with USA (SECRET//BIAC/CYBER)" in str(refusal_said(agreed, "en"))
    assert refusal_said("something no pattern knows", "ja", POLICY) is None
