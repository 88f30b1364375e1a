"""A coordination notice is acknowledged only by members of the body it is addressed
to: an account of another nation that lists the body is not a member of it."""

from __future__ import annotations

import pytest

from kizuna.domains.coordination import notices
from kizuna.domains.coordination.service import coordination
from kizuna.errors import Conflict, NotFound
from kizuna.runtime import Node
from tests.factories.coordination import cast, item, member


def test_only_members_of_the_addressed_body_acknowledge(node: Node) -> None:
    people = cast(node)
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    # A Japanese reader whose account names the US body, and a US reader who is not in it.
    intruder = member(node, "intruder", nation="JPN", roles=["reader"], bodies=["usfj"])[0]
    outsider = member(node, "outsider", nation="USA", roles=["reader"], bodies=["osd-policy"])[0]
    c.open_item(sato, item())
    [notice] = notices.notifications(c, davis)
    assert notice.body == "usfj"
    for stranger in (intruder, outsider):
        with pytest.raises(NotFound):
            notices.acknowledge(c, stranger, notice.pk)
    [still] = notices.notifications(c, davis, unacknowledged=True)
    assert still.acked_by is None
    notices.acknowledge(c, davis, notice.pk)
    with pytest.raises(Conflict, match="acknowledged by davis"):
        notices.acknowledge(c, people["smith"][0], notice.pk)
    with pytest.raises(NotFound):  # not even who acknowledged it is told to a stranger
        notices.acknowledge(c, intruder, notice.pk)
