"""Every notice exports as a CAP 1.2 document valid against the OASIS schema; an Update
and a Cancel reference every revision they change; both languages and the JIS X 0402
codes are there; a public version is a Public alert."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from kizuna.domains.incidents import queries
from kizuna.domains.incidents.model import CancelRequest, EventUpdate, PublicCreate
from kizuna.domains.incidents.service import incidents
from kizuna.runtime import Node
from tests.domains.incidents.conftest import event, us_people

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "CAP-v1.2-schema.xsd")
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def parsed(document: str) -> ET.Element:
    SCHEMA.validate(document)  # raises on any departure from CAP 1.2
    return ET.fromstring(document.encode())  # noqa: S314 (our own document, validated above)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_alert_update_cancel_validate_and_reference_what_they_change(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    area = {
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [127.75, 26.30],
                    [127.78, 26.30],
                    [127.78, 26.32],
                    [127.75, 26.32],
                    [127.75, 26.30],
                ]
            ],
        },
        "facility": "Kadena Air Base",
        "municipalities": ["473260", "473251"],
    }
    made = c.record(people["duty"], event(kind="fuel_spill", place=area, exercise=True))
    c.update(people["duty"], made.id, EventUpdate(release_amount="about 200 litres"))
    c.cancel(
        people["duty"], made.id, CancelRequest(reason_en="exercise ended", reason_ja="訓練終了")
    )
    documents = queries.cap_documents(c, people["duty"], made.id)
    alerts = [parsed(d) for d in documents]
    assert [a.findtext("cap:msgType", namespaces=NS) for a in alerts] == [
        "Alert",
        "Update",
        "Cancel",
    ]
    ids = [a.findtext("cap:identifier", namespaces=NS) for a in alerts]
    sents = [a.findtext("cap:sent", namespaces=NS) for a in alerts]
    assert len(set(ids)) == 3
    assert alerts[0].find("cap:references", NS) is None
    refs = [a.findtext("cap:references", namespaces=NS) for a in alerts[1:]]
    sender = alerts[0].findtext("cap:sender", namespaces=NS)
    assert refs[0] == f"{sender},{ids[0]},{sents[0]}"
    assert refs[1] == f"{sender},{ids[0]},{sents[0]} {sender},{ids[1]},{sents[1]}"
    for a in alerts:
        assert a.findtext("cap:status", namespaces=NS) == "Exercise"
        assert a.findtext("cap:scope", namespaces=NS) == "Restricted"
        assert a.findtext("cap:restriction", namespaces=NS) == "CONFIDENTIAL//REL TO JPN, USA"
        infos = a.findall("cap:info", NS)
        assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["ja-JP", "en-US"]
        assert infos[0].findtext("cap:event", namespaces=NS) == "燃料流出"
        assert infos[1].findtext("cap:event", namespaces=NS) == "Fuel spill"
        area_el = infos[0].find("cap:area", NS)
        assert area_el is not None
        assert area_el.findtext("cap:polygon", namespaces=NS).startswith("26.300000,127.750000 ")
        codes = [g.findtext("cap:value", namespaces=NS) for g in area_el.findall("cap:geocode", NS)]
        assert codes == ["473260", "473251"]
        assert "北谷町" in area_el.findtext("cap:areaDesc", namespaces=NS)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_point_is_a_circle_and_a_public_version_a_public_alert(usa: Node) -> None:
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    alert = parsed(queries.cap_documents(c, people["duty"], made.id)[0])
    assert alert.findtext("cap:status", namespaces=NS) == "Actual"
    circle = alert.find("cap:info/cap:area/cap:circle", NS)
    assert circle is not None
    assert circle.text == "26.309000,127.764000 0"
    public = c.release_public(
        people["duty"],
        made.id,
        PublicCreate(
            title_en="Part fell in Chatan",
            title_ja="北谷町で部品落下",
            description_en="No one was hurt.",
            description_ja="けが人なし。",
        ),
    )
    doc = parsed(queries.public_cap(c, queries.public_version(c, public.id)))
    assert doc.findtext("cap:scope", namespaces=NS) == "Public"
    assert doc.find("cap:restriction", NS) is None
    assert doc.findtext("cap:info/cap:headline", namespaces=NS) == "北谷町で部品落下"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_cap_time_writes_utc_as_minus_zero(usa: Node) -> None:
    """Walk: `<sent>2026-12-07T04:18:16+00:00</sent>`. CAP 1.2 §3.3.2 writes UTC as
    `-00:00` (and never 'Z'): sent, onset and the times an Update references, in an
    event's alerts and in its public version's."""
    people = us_people(usa)
    c = incidents(usa)
    made = c.record(people["duty"], event())
    c.update(people["duty"], made.id, EventUpdate(damage="a car window"))
    public = c.release_public(
        people["duty"],
        made.id,
        PublicCreate(title_en="Part fell", title_ja="部品落下", description_en="No one was hurt.",
                     description_ja="けが人なし。"),
    )  # fmt: skip
    documents = [
        *queries.cap_documents(c, people["duty"], made.id),
        queries.public_cap(c, queries.public_version(c, public.id)),
    ]
    for document in documents:
        alert = parsed(document)
        times = [alert.findtext("cap:sent", namespaces=NS)]
        times += [i.findtext("cap:onset", namespaces=NS) for i in alert.findall("cap:info", NS)]
        for ref in (alert.findtext("cap:references", namespaces=NS) or "").split():
            times.append(ref.rsplit(",", 1)[1])
        assert len(times) >= 3
        for at in times:
            assert at is not None
            assert at.endswith("-00:00"), at
        assert "+00:00" not in document
        assert "Z<" not in document
    # 13:40 in Japan is 04:40 UTC.
    assert "<onset>2026-12-01T04:40:00-00:00</onset>" in documents[0]
