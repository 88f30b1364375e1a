"""The application factory: one FastAPI app per node, REST + pages + static files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kizuna import audit, domains
from kizuna.federation.loop import Federator
from kizuna.identity import service as identity
from kizuna.runtime import NO_TELEMETRY, Node
from kizuna.taxii.errors import TaxiiError, error_response
from kizuna.taxii.server import create_taxii_app
from kizuna.web import accounts, api, calendar_feed, objects, pages, problems, schemas, search
from kizuna.web import federation as federation_web
from kizuna.web.cookies import cookie_names
from kizuna.web.deps import LoginRequired, page_principal
from kizuna.web.start import router as start_router

__all__ = ["create_app"]

_log = logging.getLogger("kizuna.web")

_STATIC = Path(__file__).parent / "static"

# Pages load nothing from outside the node: every source is 'self'.
_SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class BodyLimit:
    """Refuse request bodies over the limit before any handler sees them, whether
    the client announces the length or streams it chunked.

    The body is read here (at most `limit` bytes are held) and replayed to the app:
    an error raised while the app itself reads would surface as a 400, not a 413.
    """

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self.node.body_limit(path)
        if limit > self.node.settings.max_body_bytes and not await run_in_threadpool(
            self._signed_in, scope
        ):
            # A raised limit is for a signed-in caller: a stranger holding tens of
            # megabytes per request in the node's memory is refused before they are read.
            if path.startswith("/api/"):
                refused = problems.problem(
                    401, "a valid bearer token is required",
                    headers={"WWW-Authenticate": "Bearer"},
                )  # fmt: skip
                await refused(scope, receive, send)
                return
            limit = self.node.settings.max_body_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _signed_in(self, scope: Scope) -> bool:
        """Whether the request carries a valid API token or page session (the digest
        look-ups of every request, no password check)."""
        request = Request(scope)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        session = request.cookies.get(cookie_names(self.node).session, "")
        with self.node.db.read() as conn:
            if scheme.lower() == "bearer" and token.strip():
                return identity.principal_for_token(conn, token.strip()) is not None
            return bool(session) and identity.principal_for_session(conn, session) is not None

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"the request body is over {limit} bytes"
        path = str(scope.get("path", ""))
        response: Response
        if path.startswith("/taxii2/"):
            response = error_response(TaxiiError(413, "Request entity too large", detail))
        elif path.startswith(("/api/", "/federation/")):
            response = problems.problem(413, detail, field="body")
        else:
            response = _page_too_large(Request(scope), detail)
        await response(scope, receive, send)


def _page_too_large(request: Request, detail: str) -> Response:
    # A page form sent too much: answer a page, signed in if the session says so.
    with contextlib.suppress(LoginRequired):
        page_principal(request, request.app.state.node)
    return pages.render_error(request, HTTPException(413, detail), 413)


class SecurityHeaders:
    """Security headers on every response, and no caching except for static files.

    Plain ASGI rather than an `@app.middleware` function: that kind re-streams every
    response body through a queue, a copy that TAXII pages of half a megabyte felt."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._fixed = [(k.encode(), v.encode()) for k, v in _SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = not str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self._fixed if k not in present]
                if cache and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class RefusedFormsStay:
    """A boosted form (sent by htmx) that comes back refused leaves the address bar
    where it was. htmx would show the form's action there, and reloading it asks the
    route for a GET it does not answer (405), where the reader expects the page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        boosted = scope["type"] == "http" and scope.get("method") != "GET"
        boosted = boosted and (b"hx-boosted", b"true") in scope.get("headers", [])
        if not boosted:
            await self.app(scope, receive, send)
            return

        async def staying(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"hx-push-url" for name, _ in headers):
                    headers.append((b"hx-push-url", b"false"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, staying)


class HeadAsGet:
    """HEAD is answered as GET without the body (HTTP semantics; link checkers and
    proxies ask it). FastAPI routes answer only the methods they name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headless)


def _form_page(request: Request) -> str | None:
    """The nearest page above a form's action (`/coordination/items/X/respond` ->
    `/coordination/items/X`): where a reader who opens the action's address, or a
    refused form's address bar, means to be."""
    routes: list[APIRoute] = request.app.state.routes
    pages = [r.path_regex for r in routes if "GET" in (r.methods or ())]
    parts = request.url.path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        path = "/".join(parts) or "/"
        if any(page.match(path) for page in pages):
            return path
    return None


def _page_error(request: Request, exc: Exception, status: int) -> Response:
    # A form's action opened as an address (a bookmark, the address bar a refused
    # plain form left) answers only POST: lead to the form's page, not to a 405.
    if status == 405 and request.method == "GET" and (page := _form_page(request)):
        return RedirectResponse(page, status_code=303)
    if getattr(request.state, "principal", None) is None:
        # No route read the session (an unknown address, a method no route takes):
        # the page still shows who is signed in, and their navigation.
        with contextlib.suppress(LoginRequired):
            page_principal(request, request.app.state.node)
    return pages.render_error(request, exc, status)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/federation/"))


def create_app(node: Node, *, checkpoints: bool = False, federate: bool = False) -> FastAPI:
    """Build the app. With `checkpoints`, sign an audit checkpoint periodically; with
    `federate`, pull from the peers and tell them when there is something new."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Beside the start, not before it: argon2 runs outside the GIL.
        tasks = [asyncio.create_task(asyncio.to_thread(identity.warm_up))]
        if checkpoints:
            # The serving period is recorded and signed at both ends (audit verify).
            await asyncio.to_thread(_serving, node, True)
            tasks.append(asyncio.create_task(_checkpoint_loop(node)))
            tasks += [
                asyncio.create_task(_scan_loop(node, d.name, d.scan))
                for d in domains.installed()
                if d.scan is not None
            ]
        if federate:
            app.state.federator = Federator(node)
            tasks.append(asyncio.create_task(app.state.federator.run()))
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if checkpoints:
            await asyncio.to_thread(_serving, node, False)

    app = FastAPI(
        title="Kizuna",
        version="1",
        summary="Labelled objects of a Kizuna node",
        openapi_url="/api/openapi.json",
        # The interactive docs pull scripts from a CDN; a closed network has none.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
    )
    app.state.node = node
    problems.install(app, is_api=_is_api, page_error=_page_error)

    async def login_required(request: Request, _exc: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    app.add_exception_handler(LoginRequired, login_required)

    # Mounted first: a request is matched against the routes in order, and TAXII
    # paging is the hottest path (behind every page route, matching cost it 1.5 ms
    # a request). No page route lives under these two prefixes.
    app.mount("/taxii2", create_taxii_app(node), name="taxii2")
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    routers = [api.router, pages.router, objects.router, accounts.router, search.router]
    routers.append(schemas.router)
    routers.append(federation_web.router)
    routers.append(start_router)
    routers += [calendar_feed.router, calendar_feed.api_router]
    for domain in domains.installed():
        routers += domain.routers()
    # The routes as written (the app keeps its own included form of them).
    app.state.routes = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            app.state.routes.append(route)
            # A route's one-line docstring is its OpenAPI summary.
            if not route.summary and route.endpoint.__doc__:
                route.summary = route.endpoint.__doc__.strip().splitlines()[0]
            # Errors are problem details, and the document says so.
            for status, response in problems.PROBLEM_RESPONSES.items():
                route.responses.setdefault(status, response)
        # The routes themselves, not the router: FastAPI matches an included router's
        # routes through a context of its own, about 10 µs a route, and a request to
        # the last of some 170 routes paid 1.7 ms before it ran. Each route already
        # carries what its router gives it (path prefix, tags, schema inclusion).
        app.router.routes.extend(router.routes)
    app.add_middleware(BodyLimit, node=node)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RefusedFormsStay)
    app.add_middleware(HeadAsGet)
    return app


async def _checkpoint_loop(node: Node) -> None:
    while True:
        await asyncio.sleep(node.settings.checkpoint_seconds)
        await asyncio.to_thread(_checkpoint, node)


async def _scan_loop(node: Node, name: str, scan: Callable[[Node], object]) -> None:
    # What falls due is kept in rows (escalation steps, reminders): a scan after a
    # restart acts on whatever fell due meanwhile.
    while True:
        try:
            await asyncio.to_thread(scan, node)
        except Exception:
            # A failed scan (the database away for a moment) must not end the loop:
            # the work stays pending and the next scan takes it.
            _log.exception("%s scan failed; retrying at the next interval", name)
        await asyncio.sleep(node.settings.coordination_scan_seconds)


def _serving(node: Node, started: bool) -> None:
    with node.db.write() as conn:
        audit.serving(conn, node.key, actor=node.system.name, started=started)


def _checkpoint(node: Node) -> None:
    with node.db.write() as conn:
        audit.checkpoint(conn, node.key)
