"""schemathesis against the node's own OpenAPI document (`/api/openapi.json`): every
operation, with generated input, as an author who holds a token. No answer is a 5xx,
and every answer of a documented status matches its schema. Then stateful: the links
schemathesis infers between operations are followed (an object or an item created,
then read, revised, released, answered), with the creations made valid so that the
chains reach real rows (the first test already sends them invalid ones).

Bounded for CI (`KIZUNA_FUZZ_EXAMPLES`, default 25 per operation); `make fuzz` runs
more."""

from __future__ import annotations

import copy
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from kizuna.bootstrap import initialize, open_node
from kizuna.web.app import create_app
from tests.conftest import node_settings
from tests.factories import bearer, report
from tests.factories.coordination import member

EXAMPLES = int(os.environ.get("KIZUNA_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = node_settings(f"sqlite:///{tmp / 'kizuna.db'}", tmp)
    initialize(settings_, nation="JPN")
    node = open_node(settings_)
    # A JJOC officer, so that the mechanism's own writes reach real rows too.
    _user, token = member(
        node, "fuzzer", nation="JPN", clearance="SECRET", compartments=["BIAC"],
        roles=["author", "releasing_officer"], bodies=["jjoc"],
    )  # fmt: skip
    # Something to read, revise and release, so that paths with ids reach real rows.
    node.store.create(node.system, report("Seeded for the fuzzer"), _label(node))
    try:
        yield create_app(node), bearer(token)
    finally:
        node.db.dispose()


def _label(node: Any) -> Any:
    from kizuna.labels import parse

    return parse(node.policy, "UNCLASSIFIED//REL TO JPN, USA")


@pytest.fixture(scope="module")
def api_schema(served: tuple[Any, dict[str, str]]) -> Any:
    app, _headers = served
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def test_no_operation_answers_a_server_error(
    api_schema: Any, served: tuple[Any, dict[str, str]]
) -> None:
    _app, headers = served
    operations = [op.ok() for op in api_schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc


# Valid creations, so that a chain goes on from a real row (random data is nearly
# always refused, and then every later step of the chain only meets a 404).
_VALID_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/objects": {
        "object": report("Made valid for a stateful chain"),
        "label": "UNCLASSIFIED//REL TO JPN, USA",
    },
    "/api/v1/coordination/determinations": {
        "kind": "jpn-gray-zone",
        "regions": ["kyushu"],
        "determining_body": "jjoc",
        "label": "UNCLASSIFIED//REL TO JPN, USA",
    },
    # Steps on a created row, so that a chain that reaches one goes on from it.
    "/api/v1/coordination/determinations/{stix_id}/end": {},
    "/api/v1/coordination/items/{stix_id}/transitions": {"event": "withdraw"},
    "/api/v1/coordination/items": {
        "title_en": "Stateful chain",
        "title_ja": "状態遷移の連鎖",
        "requesting_body": "jjoc",
        "counterpart_body": "usfj",
        "region": "kanto",
        "label": "UNCLASSIFIED//REL TO JPN, USA",
        "domains": [],
        "precedence": "ROUTINE",
    },
}


def test_stateful_chains_answer_no_server_error(
    api_schema: Any, served: tuple[Any, dict[str, str]]
) -> None:
    _app, headers = served
    answered: Counter[tuple[str, str, int]] = Counter()

    class Chains(api_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            valid = _VALID_BODIES.get(case.path)
            if case.method == "POST" and valid is not None:
                case.body = copy.deepcopy(valid)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            answered[(case.method, case.path, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS)

    Chains.run(
        settings=settings(
            # Enough chains that some go on from a created row, among ~80 operations.
            max_examples=EXAMPLES * 8,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,  # the same chains on every run: a failure replays
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The chains went past their first step: some operation on an id taken from an
    # earlier answer succeeded.
    chained = {(m, p) for (m, p, status), _n in answered.items() if "{" in p and status < 300}
    assert chained, f"no chained operation reached a real row: {sorted(answered)}"
