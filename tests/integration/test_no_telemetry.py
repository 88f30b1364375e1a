"""A node reports to no one: FastAPI's own OpenTelemetry hooks stay off even when the
process has a tracer provider and the environment asks for an exporter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace

from kizuna.runtime import Node
from kizuna.web.app import create_app
from tests.factories import add_user, bearer


class RecordingProvider(trace.TracerProvider):
    """A configured provider, as an installed SDK would leave one: every tracer asked
    of it is counted."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_tracer(self, instrumenting_module_name: str, *args: Any, **kwargs: Any) -> trace.Tracer:
        self.asked.append(instrumenting_module_name)
        return trace.NoOpTracer()


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> RecordingProvider:
    recording = RecordingProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: recording)
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    # A loopback address, should anything try it: no test reaches further.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    return recording


def test_a_plain_fastapi_app_would_trace(provider: RecordingProvider) -> None:
    # The control: without Kizuna's setting, FastAPI asks the provider for a tracer.
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    with TestClient(app) as web:
        assert web.get("/ping").status_code == 200
    assert provider.asked


def test_a_node_traces_nothing_on_pages_api_or_taxii(
    node: Node, provider: RecordingProvider
) -> None:
    _, token = add_user(node, "reader")
    with TestClient(create_app(node)) as web:
        headers = bearer(token)
        assert web.get("/login").status_code == 200
        assert web.get("/api/v1/objects", headers=headers).status_code == 200
        taxii = {**headers, "Accept": "application/taxii+json;version=2.1"}
        assert web.get("/taxii2/", headers=taxii).status_code == 200
    assert provider.asked == []
