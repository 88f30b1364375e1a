"""A coordination notice is acknowledged only by members of the body it is addressed
to (an account of another nation that lists the body is not a member of it), whose
role may answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kizuna.db.schema import audit_log
from kizuna.domains.coordination import notices
from kizuna.domains.coordination.service import coordination
from kizuna.errors import Conflict, NotFound, Refused
from kizuna.runtime import Node
from tests.factories import bearer
from tests.factories.coordination import cast, item, member, sign_in_as


def test_only_members_of_the_addressed_body_acknowledge(node: Node) -> None:
    people = cast(node)
    c = coordination(node)
    sato, davis = people["sato"][0], people["davis"][0]
    # A Japanese author whose account names the US body, and a US coordinator not in it.
    intruder = member(node, "intruder", nation="JPN", roles=["author"], bodies=["usfj"])[0]
    outsider, _ = member(
        node, "outsider", nation="USA", roles=["coordinator"], bodies=["osd-policy"]
    )
    jones = member(node, "jones", nation="USA", roles=["coordinator"], bodies=["usfj"])[0]
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
        notices.acknowledge(c, jones, notice.pk)
    with pytest.raises(NotFound):  # not even who acknowledged it is told to a stranger
        notices.acknowledge(c, intruder, notice.pk)


def test_a_reader_of_the_body_is_refused_on_every_path(node: Node, client: TestClient) -> None:
    """Walk 48 #1: tanaka, a reader of the body, acknowledged a notice on the page and it
    dropped out of the author's handover. Acknowledging signs for the body, as a
    receipt does: a role that may answer does it; the service, REST and the page refuse
    a reader (403, audited), and the page offers a reader no button."""
    people = cast(node)
    c = coordination(node)
    smith, token = people["smith"]
    c.open_item(people["sato"][0], item())
    [notice] = notices.notifications(c, smith)
    with pytest.raises(Refused, match="it needs the author or coordinator role"):
        notices.acknowledge(c, smith, notice.pk)
    rest = client.post(
        f"/api/v1/coordination/notifications/{notice.pk}/acknowledge", headers=bearer(token)
    )
    assert rest.status_code == 403, rest.text
    csrf = sign_in_as(node, client, "smith", "en")
    listed = client.get("/coordination/notifications")
    assert f"/coordination/notifications/{notice.pk}/acknowledge" not in listed.text
    assert "a member who may answer acknowledges" in listed.text
    forged = client.post(
        f"/coordination/notifications/{notice.pk}/acknowledge",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "a member who may answer (an author or a coordinator) acknowledges" in forged.text
    [still] = notices.notifications(c, people["davis"][0], unacknowledged=True)
    assert still.acked_by is None
    with node.db.read() as conn:
        refused = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "refused", audit_log.c.target == str(notice.pk))
        ).scalar_one()
    assert refused == 3
    notices.acknowledge(c, people["davis"][0], notice.pk)
