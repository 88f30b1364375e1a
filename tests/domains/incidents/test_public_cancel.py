"""A cancelled event's public version says it is cancelled (walk: clark cancelled a
part-fall near Kadena whose public version he had released, and the public page, the
feed and the public CAP kept the live Alert). The cancel writes, in its own
transaction, a new public version marked cancelled, with the reason given for the
public; the public CAP is then a Cancel, and an Update, naming every earlier public
version in `references`. Nothing of the event beyond what was released shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import xmlschema
from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.db.schema import audit_log
from kizuna.domains.incidents import queries
from kizuna.domains.incidents.model import CancelRequest, PublicCreate
from kizuna.domains.incidents.public import public_id_of
from kizuna.domains.incidents.service import incidents
from kizuna.errors import Invalid, Refused
from kizuna.runtime import Node
from kizuna.store.owners import Write
from kizuna.web.app import create_app
from tests.domains.incidents.conftest import event, us_people
from tests.domains.incidents.test_events import counts
from tests.factories import bearer, sign_in
from tests.factories.coordination import member

# USA's node opens in English when nobody chose (walk 50); these readers' browsers
# prefer Japanese, and the tests that switch to English choose it.
JAPANESE = {"accept-language": "ja"}

pytestmark = pytest.mark.sqlite_only

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "CAP-v1.2-schema.xsd")
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
PUBLIC = PublicCreate(
    title_en="Aircraft part fell near Kadena Air Base",
    title_ja="嘉手納基地付近で航空機部品が落下",
    description_en="A panel was found in a field in Chatan. No one was hurt.",
    description_ja="北谷町の畑でパネルが見つかった。けが人なし。",
)
RESTRICTED = "Not an aircraft part: debris from a truck"


def cap(document: str) -> ET.Element:
    SCHEMA.validate(document)  # raises on any departure from CAP 1.2
    return ET.fromstring(document.encode())  # noqa: S314 (our own document, validated above)


def plain(html: str) -> str:
    """A page's text as read."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def text(element: ET.Element, path: str) -> str:
    return element.findtext(path, namespaces=NS) or ""


@pytest.fixture
def web(usa: Node) -> Iterator[TestClient]:
    with TestClient(create_app(usa), headers=JAPANESE) as client:
        yield client


def test_a_cancel_over_rest_marks_the_public_version_cancelled_everywhere(
    usa: Node, web: TestClient
) -> None:
    duty, token = member(
        usa, "clark", nation="USA", roles=["author", "releasing_officer"], bodies=["usfj"]
    )
    c = incidents(usa)
    made = c.record(duty, event())
    first = c.release_public(duty, made.id, PUBLIC)
    # A second text: an Update that references the first.
    second = c.release_public(duty, made.id, PUBLIC.model_copy(update={"title_en": "Part fell"}))
    update = cap(web.get(f"/incidents/public/{second.id}.cap").text)
    assert text(update, "cap:msgType") == "Update"
    one = f"{text(update, 'cap:sender')},urn:kizuna:{first.id}:r1,"
    assert text(update, "cap:references").startswith(one)

    answer = web.post(
        f"/api/v1/incidents/events/{made.id}/cancel",
        json={"reason_en": RESTRICTED, "reason_ja": "トラックの落下物"},
        headers=bearer(token),
    )
    assert answer.status_code == 201
    public = queries.public_version(c, public_id_of(made.id))
    assert (public.version, public.object["status"]) == (3, "cancelled")
    assert public.label == first.label  # still UNCLASSIFIED, releasable to all

    document = web.get(f"/incidents/public/{public.id}.cap").text
    alert = cap(document)
    assert text(alert, "cap:status") == "Actual"
    assert text(alert, "cap:msgType") == "Cancel"
    assert text(alert, "cap:scope") == "Public"
    # Every earlier public version, as sender,identifier,sent (as each was sent).
    history = c.store.history(queries.public_reader(c), public.id)
    sender = text(alert, "cap:sender")
    refs = text(alert, "cap:references").split(" ")
    assert refs == [
        f"{sender},{text(cap(queries.public_cap(c, v)), 'cap:identifier')},"
        f"{text(cap(queries.public_cap(c, v)), 'cap:sent')}"
        for v in history[:2]
    ]
    infos = {text(i, "cap:language"): i for i in alert.findall("cap:info", NS)}
    assert "発信者がこの通報を取り消しました。" in text(infos["ja-JP"], "cap:description")
    assert "The sender has cancelled this notice." in text(infos["en-US"], "cap:description")
    assert text(infos["en-US"], "cap:urgency") == "Past"

    page = web.get("/incidents/public").text
    assert f'data-id="{public.id}" data-status="cancelled"' in page
    assert "取消： 嘉手納基地付近で航空機部品が落下" in plain(page)
    assert "発信者がこの通報を取り消しました。" in page
    web.get("/lang/en")
    english = web.get("/incidents/public").text
    assert "Cancelled: Part fell" in plain(english)
    assert "The sender has cancelled this notice." in english
    feed = web.get("/incidents/public/feed.atom").text
    assert "【取消】嘉手納基地付近で航空機部品が落下 / Cancelled: Part fell" in feed
    # The event's own reason stays at its label: the public reads none of it.
    for shown in (document, page, english, feed):
        assert RESTRICTED not in shown
        assert "トラック" not in shown
        assert made.id not in shown
    # One transaction, one audit entry naming both.
    with usa.db.read() as conn:
        detail = conn.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "incidents.cancel", audit_log.c.target == made.id
            )
        ).scalar_one()
    assert public.id in str(detail)


def test_a_reason_for_the_public_in_both_languages_from_a_releasing_officer(
    usa: Node, web: TestClient
) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.release_public(people["duty"], made.id, PUBLIC)
    before = counts(usa)
    # One language only: refused, naming the missing one, and nothing written.
    with pytest.raises(Invalid) as caught:
        c.cancel(
            people["duty"],
            made.id,
            CancelRequest(
                reason_en=RESTRICTED, reason_ja="誤登録", public_reason_en="Not from an aircraft."
            ),
        )
    assert caught.value.field == "public_reason_ja"
    # A text for the public is a release decision: an author who is not a releasing
    # officer cancels, but does not publish a reason.
    with pytest.raises(Refused, match="only a releasing officer of USA"):
        c.cancel(
            people["writer"],
            made.id,
            CancelRequest(
                reason_en="x", reason_ja="誤", public_reason_en="a", public_reason_ja="あ"
            ),
        )
    assert counts(usa) == before
    c.cancel(
        people["duty"],
        made.id,
        CancelRequest(
            reason_en=RESTRICTED,
            reason_ja="トラックの落下物",
            public_reason_en="The object was not from an aircraft.",
            public_reason_ja="落下物は航空機のものではありませんでした。",
        ),
    )
    public = queries.public_version(c, public_id_of(made.id))
    alert = cap(queries.public_cap(c, public))
    infos = {text(i, "cap:language"): i for i in alert.findall("cap:info", NS)}
    assert "航空機のものではありません" in text(infos["ja-JP"], "cap:description")
    assert "not from an aircraft" in text(infos["en-US"], "cap:description")
    web.cookies.clear()
    web.get("/lang/ja")
    page = web.get("/incidents/public").text
    assert "理由： 落下物は航空機のものではありませんでした。" in plain(page)
    assert "The object was not from an aircraft" not in page


def test_a_public_reason_without_a_public_version_is_refused_and_a_cancel_without_one_is_not(
    usa: Node,
) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    with pytest.raises(Invalid) as caught:
        c.cancel(
            people["duty"],
            made.id,
            CancelRequest(
                reason_en="x", reason_ja="誤", public_reason_en="a", public_reason_ja="あ"
            ),
        )
    assert caught.value.field == "public_reason_en"
    c.cancel(people["writer"], made.id, CancelRequest(reason_en="in error", reason_ja="誤登録"))
    assert queries.public_versions(c) == []
    # Nothing public is composed for a cancelled event afterwards.
    with pytest.raises(Invalid, match="was cancelled"):
        c.release_public(people["duty"], made.id, PUBLIC)
    assert queries.public_versions(c) == []


def test_an_author_who_is_not_a_releasing_officer_cancels_and_the_public_hears_the_fact(
    usa: Node,
) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.release_public(people["duty"], made.id, PUBLIC)
    # Nor may they rewrite the public text (a release decision, the second as the first).
    with pytest.raises(Refused, match="only a releasing officer of USA"):
        c.release_public(people["writer"], made.id, PUBLIC.model_copy(update={"title_en": "x"}))
    c.cancel(people["writer"], made.id, CancelRequest(reason_en=RESTRICTED, reason_ja="誤登録"))
    public = queries.public_version(c, public_id_of(made.id))
    assert public.object["status"] == "cancelled"
    assert "cancel_reason" not in public.object
    assert public.object["name"] == PUBLIC.title_en  # the text the public already had


def test_the_event_page_offers_no_public_version_once_cancelled_and_cancels_with_a_reason(
    usa: Node, web: TestClient
) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.release_public(people["duty"], made.id, PUBLIC)
    csrf = sign_in(web, "duty", lang="en")
    page = web.get(f"/incidents/events/{made.id}").text
    assert 'id="release-public"' in page
    assert 'id="cancel-public-reason-en"' in page
    half = web.post(
        f"/incidents/events/{made.id}/cancel",
        data={
            "reason_en": RESTRICTED,
            "reason_ja": "誤登録",
            "public_reason_en": "Not ours.",
            "csrf_token": csrf,
        },
    )
    assert half.status_code == 422
    assert (
        "Reason for the public (Japanese): give the reason for the public in English and in "
        "Japanese, or leave both empty." in half.text
    )
    assert 'value="Not ours."' in half.text
    done = web.post(
        f"/incidents/events/{made.id}/cancel",
        data={
            "reason_en": RESTRICTED,
            "reason_ja": "トラックの落下物",
            "public_reason_en": "Not ours.",
            "public_reason_ja": "米軍機のものではありません。",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = web.get(f"/incidents/events/{made.id}").text
    assert 'id="release-public"' not in after
    assert "Compose and release the public version" not in after
    assert re.search(r'id="public-version" data-status="cancelled"', after)
    refused = web.post(
        f"/api/v1/incidents/events/{made.id}/public",
        json=PUBLIC.model_dump(),
        headers=bearer(
            member(usa, "ro", nation="USA", roles=["author", "releasing_officer"], bodies=[])[1]
        ),
    )
    assert refused.status_code == 422
    assert "was cancelled" in refused.json()["detail"]
    assert queries.public_version(c, public_id_of(made.id)).object["cancel_reason_ja"] == (
        "米軍機のものではありません。"
    )


def test_the_owner_rules_keep_a_cancelled_public_version_as_it_is_on_every_path(
    usa: Node,
) -> None:
    """What arrives from a peer runs the same rules: a cancelled public version takes no
    new version, and a status is 'cancelled' or none."""
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.release_public(people["duty"], made.id, PUBLIC)
    c.cancel(people["duty"], made.id, CancelRequest(reason_en="in error", reason_ja="誤登録"))
    public = queries.public_version(c, public_id_of(made.id))
    owner = usa.store.owners.owner_of(public.object)
    assert owner is not None
    assert owner.rules is not None
    live = {k: v for k, v in public.object.items() if k != "status"}
    again = Write("accept", None, live, public.label, "USA", public.object, public.label)
    with pytest.raises(Invalid, match="was cancelled: it takes no new version"):
        owner.rules(None, again)  # type: ignore[arg-type]
    odd = Write("accept", None, {**live, "status": "open"}, public.label, "USA")
    with pytest.raises(Invalid, match="status is 'cancelled' or none"):
        owner.rules(None, odd)  # type: ignore[arg-type]
