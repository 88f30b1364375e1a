"""Kizuna's own types are checked against their published schemas (compiled with
jsonschema-rs): the refusal names the property at fault in words a person can act on,
and checking one costs no process the import of jsonschema."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

import pytest

from kizuna.errors import Invalid
from kizuna.stix.types import extension_id
from kizuna.stix.validate import prepare

NOW = "2026-12-07T00:00:00.000Z"


def assessment(**fields: Any) -> dict[str, Any]:
    return {
        "type": "x-kizuna-assessment",
        "id": f"x-kizuna-assessment--{uuid.uuid4()}",
        "created": NOW,
        "modified": NOW,
        "extensions": {extension_id("assessment"): {"extension_type": "new-sdo"}},
        "name": "Maritime activity near the Senkakus",
        "judgement": "Patrols will continue at the present rate.",
        "confidence": 70,
        **fields,
    }


def refusal(obj: dict[str, Any]) -> Invalid:
    with pytest.raises(Invalid) as caught:
        prepare(obj, now=NOW)
    return caught.value


def test_a_valid_assessment_passes_unchanged() -> None:
    obj = assessment(domains=["maritime", "air"])
    assert prepare(obj, now=NOW) == {**obj, "spec_version": "2.1"}


def test_a_missing_property_is_named() -> None:
    obj = assessment()
    del obj["judgement"]
    told = refusal(obj)
    assert told.field == "object.judgement"
    assert str(told) == 'object.judgement: "judgement" is a required property'


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"confidence": 500}, "object.confidence", "500 is greater than the maximum of 100"),
        ({"confidence": "high"}, "object.confidence", '"high" is not of type "integer"'),
        ({"name": ""}, "object.name", '"" is shorter than 1 character'),
        ({"sources": ["a", ""]}, "object.sources.1", '"" is shorter than 1 character'),
    ],
)
def test_a_wrong_value_is_named_with_its_place(
    fields: dict[str, Any], field: str, said: str
) -> None:
    told = refusal(assessment(**fields))
    assert told.field == field
    assert str(told) == f"{field}: {said}"


def test_a_value_outside_a_list_names_every_choice() -> None:
    """jsonschema-rs names two choices and counts the rest; the refusal names them all."""
    told = refusal(assessment(domains=["land", "sea"]))
    assert told.field == "object.domains.1"
    assert str(told) == (
        'object.domains.1: "sea" is not one of "land", "maritime", "air", "space", "cyber", '
        '"electromagnetic", "information"'
    )


def test_checking_an_own_type_does_not_import_jsonschema() -> None:
    """jsonschema loads its format checkers on import: 2.3 s on this machine's test
    environment, paid by every `kizuna serve` at its first assessment before."""
    script = (
        "import sys\n"
        "from tests.unit.test_own_schemas import assessment, NOW\n"
        "from kizuna.stix.validate import prepare\n"
        "prepare(assessment(), now=NOW)\n"
        "print('jsonschema' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert ran.stdout.strip() == "False", ran.stderr
