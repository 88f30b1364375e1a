"""Recording, updating, cancelling and acknowledging events on both databases; the
public version; and bad input refused, naming the problem, with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from kizuna.db.schema import audit_log, objects, versions
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.model import (
    EVENT_TYPE,
    AckCreate,
    CancelRequest,
    EventUpdate,
    PublicCreate,
)
from kizuna.domains.incidents.schema import inc_deliveries, inc_events, inc_notices, inc_steps
from kizuna.domains.incidents.service import incidents
from kizuna.errors import Conflict, Disallowed, Invalid, NotFound, Refused
from kizuna.labels import parse
from kizuna.runtime import Node
from tests.domains.incidents.conftest import event, us_people

PUBLIC = PublicCreate(
    title_en="Part fell from a US aircraft in Chatan",
    title_ja="北谷町で米軍機の部品が落下",
    description_en="No one was hurt. The part has been recovered.",
    description_ja="けが人はなく、部品は回収された。",
)


def counts(node: Node) -> dict[str, int]:
    tables = {
        "objects": objects,
        "versions": versions,
        "events": inc_events,
        "notices": inc_notices,
        "deliveries": inc_deliveries,
        "steps": inc_steps,
    }
    with node.db.read() as conn:
        found = {
            name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in tables.items()
        }
        found["audit"] = conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action != "refused")
        ).scalar_one()
    return found


def test_a_recorded_event_is_a_labelled_object_and_its_addressees_are_notified(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    body = made.object
    assert made.type == EVENT_TYPE
    assert made.label_text == "CONFIDENTIAL//REL TO JPN, USA"
    assert body["kind"] == "part_fall"
    assert body["revision"] == 1
    assert body["status"] == "open"
    assert body["occurred"] == "2026-12-01T04:40:00Z"
    assert body["occurred_zone"] == "+09:00"
    assert body["prefecture"] == "47"
    assert body["municipalities"] == ["473260"]
    assert body["place"] == {"type": "Point", "coordinates": [127.764, 26.309]}
    with usa.db.read() as conn:
        told = dict(conn.execute(select(inc_notices.c.addressee, inc_notices.c.precedence)).all())
        mails = conn.execute(
            select(inc_deliveries.c.target).where(inc_deliveries.c.channel == "email")
        ).scalars()
        assert set(mails) >= {"joc@usfj.example.mil", "g7@mcipac.example.mil"}
    # The US node tells the US bodies: the JPN node tells the Japanese ones.
    assert told == {"usfj": "immediate", "mcipac": "flash"}
    # Only a reader cleared for it sees it.
    assert [r.event.id for r in queries.board(c, people["reader"])] == []


def test_acknowledged_once_by_a_member_of_the_addressed_body(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    with pytest.raises(Refused, match="not a member of usfj"):
        c.acknowledge(people["writer"], made.id, AckCreate(addressee="usfj"))
    with pytest.raises(Invalid, match="not notified to okinawa-pref"):
        c.acknowledge(usa.system, made.id, AckCreate(addressee="okinawa-pref"))
    ack = c.acknowledge(people["usfj-duty"], made.id, AckCreate(addressee="usfj"))
    assert ack.origin == "USA"
    assert ack.label_text == made.label_text
    assert ack.object["revision"] == 1
    assert ack.object["person"] == "usfj-duty"
    with pytest.raises(Conflict, match="acknowledged for usfj by usfj-duty"):
        c.acknowledge(people["duty"], made.id, AckCreate(addressee="usfj"))
    notices = {n.addressee: n for n in queries.notices(c, people["duty"], made.id)}
    assert notices["usfj"].acked_by == "usfj-duty"
    assert notices["mcipac"].acked_by is None
    assert notices["usfj"].record_to_ack is not None
    assert notices["usfj"].record_to_ack >= 0
    with usa.db.read() as conn:
        steps = dict(
            conn.execute(
                select(inc_notices.c.addressee, inc_steps.c.status).join(
                    inc_notices, inc_notices.c.pk == inc_steps.c.notice_pk
                )
            ).all()
        )
    assert steps == {"usfj": "cancelled", "mcipac": "pending"}


def test_updates_close_and_cancel_are_new_revisions_to_the_same_addressees(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.update(people["duty"], made.id, EventUpdate(damage="a roof tile cracked"))
    closed = c.update(people["duty"], made.id, EventUpdate(closing=True))
    assert closed.object["revision"] == 3
    assert closed.object["status"] == "closed"
    with usa.db.read() as conn:
        rows = conn.execute(
            select(
                inc_notices.c.addressee, inc_notices.c.revision, inc_notices.c.msg_type
            ).order_by(inc_notices.c.revision, inc_notices.c.addressee)
        ).all()
        pending = conn.execute(
            select(func.count()).select_from(inc_steps).where(inc_steps.c.status == "pending")
        ).scalar_one()
    assert [tuple(r) for r in rows] == [
        ("mcipac", 1, "Alert"),
        ("usfj", 1, "Alert"),
        ("mcipac", 2, "Update"),
        ("usfj", 2, "Update"),
        ("mcipac", 3, "Update"),
        ("usfj", 3, "Update"),
    ]
    assert pending == 2  # only the newest revision's reminders are pending
    cancelled = c.cancel(
        people["duty"], made.id, CancelRequest(reason_en="recorded twice", reason_ja="誤登録")
    )
    assert cancelled.object["status"] == "cancelled"


def test_the_public_version_is_released_by_an_authorised_user_and_seen_without_sign_in(
    usa: Node,
) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    with pytest.raises(Refused):
        c.release_public(people["writer"], made.id, PUBLIC)
    assert queries.public_versions(c) == []
    public = c.release_public(people["duty"], made.id, PUBLIC)
    # UNCLASSIFIED, releasable to every nation of the label policy.
    assert public.label.rank == usa.policy.lowest.rank
    assert not public.label.compartments
    assert public.label.rel_to == frozenset(usa.policy.nations) >= {"JPN", "USA"}
    assert public.object["incident"] == made.id
    assert [p.id for p in queries.public_versions(c)] == [public.id]
    # The public reader sees the public version, never the event itself.
    with pytest.raises(NotFound):
        c.store.get(queries.public_reader(c), made.id)
    again = c.release_public(people["duty"], made.id, PUBLIC.model_copy(update={"title_en": "x"}))
    assert again.id == public.id
    assert again.version == 2


FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"place": {"geometry": {"type": "Point", "coordinates": [127.7, 26.3]},
                       "municipalities": ["472019"]}},
            "place.municipalities",
            "unknown municipality code '472019'",
        ),
        (
            {"place": {"geometry": {"type": "Point", "coordinates": [127.7, 26.3]},
                       "municipalities": ["470007"]}},
            "place.municipalities",
            "not of a municipality",
        ),
        (
            {"place": {"geometry": {"type": "Point", "coordinates": [126.98, 37.57]},
                       "municipalities": ["473260"]}},
            "place.geometry",
            "a part_fall is recorded at a place inside Japan",
        ),
        (
            # Walk 38: a point at Futenma with a Tokyo code (Chiyoda) was recorded and
            # routed to Tokyo; Okinawa's offices were never told.
            {"place": {"geometry": {"type": "Point", "coordinates": [127.755, 26.274]},
                       "municipalities": ["131016"]}},
            "place.municipalities",
            "the place lies by 沖縄県宜野湾市 (472051), in Okinawa, but the municipality "
            "codes name Tokyo",
        ),
        (
            # And the other way round: a place in Tokyo named as Ginowan.
            {"place": {"geometry": {"type": "Point", "coordinates": [139.753, 35.694]},
                       "municipalities": ["472051"]}},
            "place.municipalities",
            "km from 沖縄県宜野湾市 (472051), which the municipality codes name",
        ),
        ({"occurred": FUTURE, "learned": FUTURE}, "occurred", "in the future"),
        ({"learned": FUTURE}, "learned", "in the future"),
        ({"learned": "2026-12-01T13:00:00+09:00"}, "learned", "learned after it occurs"),
        ({"occurred": "2026-12-01T13:40:00"}, "occurred", "needs its zone"),
        ({"kind": "ufo"}, "kind", "unknown kind 'ufo'"),
        ({"label": "SECRET//REL TO MARS"}, "label", ""),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_problem_and_nothing_is_written(
    usa: Node, overrides: dict, field: str, message: str
) -> None:
    people = us_people(usa)
    before = counts(usa)
    # A field's own check is the request's (the model names every field at fault at
    # once); what takes the routing rules, the label policy or the clock, the service's.
    with pytest.raises((Invalid, ValidationError)) as caught:
        incidents(usa).record(people["duty"], event(**overrides))
    if isinstance(caught.value, ValidationError):
        [error] = caught.value.errors()
        assert ".".join(str(p) for p in error["loc"]) == field
        assert message in error["msg"]
    else:
        assert caught.value.field == field
        assert message in str(caught.value)
    assert counts(usa) == before


def test_a_cancelled_event_takes_no_update(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.cancel(people["duty"], made.id, CancelRequest(reason_en="wrong aircraft", reason_ja="誤登録"))
    before = counts(usa)
    with pytest.raises(Invalid, match="a cancelled event takes no update") as caught:
        c.update(people["duty"], made.id, EventUpdate(damage="more"))
    assert caught.value.field == "status"
    # A second cancel is told the event is already cancelled (walk: it was told that a
    # cancelled event takes no update, which it never asked for).
    with pytest.raises(Invalid, match=f"the event {made.id} is already cancelled") as again:
        c.cancel(people["duty"], made.id, CancelRequest(reason_en="again", reason_ja="誤登録"))
    assert again.value.field == "status"
    assert counts(usa) == before


def test_the_owner_rules_hold_on_the_generic_path(usa: Node) -> None:
    people = us_people(usa)
    made = incidents(usa).record(people["duty"], event())
    label = parse(usa.policy, "CONFIDENTIAL//REL TO JPN, USA", originator="USA")
    with pytest.raises(Disallowed, match="belong to the incidents mechanism"):
        usa.store.create(people["duty"], {**made.object, "id": None}, label)
    changed = {k: v for k, v in made.object.items() if k != "modified"}
    with pytest.raises(Disallowed, match="belong to the incidents mechanism"):
        usa.store.revise(people["duty"], made.id, {**changed, "revision": 2})
