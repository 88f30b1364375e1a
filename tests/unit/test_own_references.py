"""References to Kizuna's own types pass the STIX check as references to SDOs do, and
every other rule of the reference still holds."""

from __future__ import annotations

import uuid

import pytest

from kizuna.errors import Invalid
from kizuna.stix.validate import prepare

NOW = "2026-12-04T00:00:00.000Z"


def _report(**extra: object) -> dict[str, object]:
    return {"type": "report", "name": "r", "published": NOW, **extra}


@pytest.mark.parametrize(
    "kind", ["x-kizuna-coordination-item", "x-kizuna-decision", "x-kizuna-assessment"]
)
def test_a_report_may_gather_objects_of_kizunas_own_types(kind: str) -> None:
    ref = f"{kind}--{uuid.uuid4()}"
    stored = prepare(_report(object_refs=[ref]), now=NOW)
    assert stored["object_refs"] == [ref]


def test_a_reference_to_an_own_type_still_obeys_its_property() -> None:
    with pytest.raises(Invalid) as refused:
        prepare(_report(object_refs=[f"identity--{uuid.uuid4()}"],
                        created_by_ref=f"x-kizuna-meeting--{uuid.uuid4()}"), now=NOW)  # fmt: skip
    assert refused.value.field == "object.created_by_ref"
