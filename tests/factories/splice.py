"""A man in the middle for federation tests: forwards every request to a real node and
splices crafted objects into the next page of objects it relays, as a hostile network,
a buggy sender or a forger would. The page's own headers (X-TAXII-Date-Added-*) are
relayed as the node sent them."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

__all__ = ["Splice", "splice"]


@dataclass
class Splice:
    target: str
    # Objects to put into the next page of objects, at random places.
    pending: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 0
    spliced_pages: int = 0

    def inject(self, objects: list[dict[str, Any]]) -> None:
        self.pending.extend(objects)

    def relay(self, path: str, answer: requests.Response) -> bytes:
        if not (self.pending and path.endswith("/objects/") and answer.status_code == 200):
            return answer.content
        envelope = answer.json()
        page = list(envelope.get("objects", []))
        rng = random.Random(self.seed + self.spliced_pages)
        for obj in self.pending:
            page.insert(rng.randint(0, len(page)), obj)
        self.pending = []
        self.spliced_pages += 1
        envelope["objects"] = page
        return json.dumps(envelope).encode()


def _app(state: Splice) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def forward(path: str, request: Request) -> Response:
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "accept", "content-type")
        }
        answer = requests.request(
            request.method,
            f"{state.target}/{path}",
            params=list(request.query_params.multi_items()),
            headers=headers,
            data=await request.body(),
            timeout=60,
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower().startswith("x-taxii-")}
        return Response(
            state.relay(f"/{path}", answer),
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
            headers=kept,
        )

    return app


@contextmanager
def splice(target: str) -> Iterator[tuple[str, Splice]]:
    """Serve a splicing relay to `target` on a free loopback port: (its URL, its state)."""
    state = Splice(target.rstrip("/"))
    server = uvicorn.Server(uvicorn.Config(_app(state), host="127.0.0.1", port=0,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the splicing relay did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
