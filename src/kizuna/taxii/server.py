"""The TAXII 2.1 server of a node, mounted at /taxii2/.

One API root (`kizuna`) with the collections of `taxii.collections`. Every answer
is one page of the store's feed for the caller, so it holds exactly what the caller
may read; pages are encoded once from the stored JSON (DESIGN §8) and resumed with
the store's signed cursors, so any worker can serve the next page.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException

from kizuna import audit, clock
from kizuna.errors import StoreError
from kizuna.federation.peers import peer_of
from kizuna.federation.signing import sign
from kizuna.identity.principal import Permission, Principal
from kizuna.interchange.imports import import_objects
from kizuna.runtime import NO_TELEMETRY, Node
from kizuna.store import MAX_LIMIT, StoredObject
from kizuna.store.feed import Entry, FeedQuery, bodies, entries, feed
from kizuna.taxii.auth import BasicCache, StaleSignIn, principal_of, sign_in_basic
from kizuna.taxii.collections import COLLECTIONS, STIX_MEDIA, Collection, find, peer_collection
from kizuna.taxii.errors import TAXII_MEDIA, TaxiiError, error_response
from kizuna.taxii.schema import taxii_status

__all__ = ["API_ROOT", "create_taxii_app"]

API_ROOT = "kizuna"


def _acceptable(header: str) -> bool:
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() != "application/taxii+json":
            continue
        version = [p.split("=", 1)[1].strip() for p in params if p.lower().startswith("version=")]
        if not version or version[0] == "2.1":
            return True
    return False


def _taxii(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return Response(raw, status_code=status, media_type=TAXII_MEDIA, headers=headers)


def node_nation(request: Request) -> str:
    node: Node = request.app.state.node
    return node.store.node.nation


def _limit(value: str | None) -> int:
    if value is None:
        return 100
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise TaxiiError(400, "Bad request", f"limit must be a positive integer, not {value!r}")
    # A client may ask for more than a page holds; the server answers with fewer.
    return min(limit, MAX_LIMIT)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def signed_for_peer(node: Node, item: StoredObject) -> dict[str, Any]:
    """A version as a peer receives it: signed by this node, with its number and when
    it was added."""
    return sign(
        node.key,
        item.object,
        origin=item.origin,
        label=item.label,
        added=item.recorded_at,
        version=item.version,
    )


def _versions(value: str | None) -> tuple[str, ...]:
    """`match[version]`: last, first, all or timestamps (TAXII 2.1 §3.4.1); anything
    else is the client's mistake, said as one rather than answered with nothing."""
    asked = _split(value) or ("last",)
    for v in asked:
        if v in ("last", "first", "all"):
            continue
        try:
            clock.parse_ts(v)
        except ValueError:
            raise TaxiiError(
                400, "Bad request",
                f"match[version] takes last, first, all or a timestamp, not {v!r}",
            ) from None  # fmt: skip
    return asked


def _query(request: Request, collection: Collection, **fixed: Any) -> FeedQuery:
    params = request.query_params
    versions = _versions(params.get("match[version]"))
    origin = node_nation(request) if collection.peer else None
    return FeedQuery(
        origin=origin,
        types=_split(params.get("match[type]")),
        ids=fixed.get("ids", _split(params.get("match[id]"))),
        versions=fixed.get("versions", versions),
        spec_versions=_split(params.get("match[spec_version]")),
        added_after=params.get("added_after"),
        scope=collection.scope,
    )


def _date_headers(items: Sequence[StoredObject | Entry]) -> dict[str, str]:
    if not items:
        return {}
    return _added_headers(items[0].recorded_at, items[-1].recorded_at)


def _added_headers(first: str, last: str) -> dict[str, str]:
    return {"X-TAXII-Date-Added-First": first, "X-TAXII-Date-Added-Last": last}


def _paged(next_token: str | None, key: str, items: list[bytes]) -> bytes:
    """A TAXII envelope around encoded items, joined once: a page is up to 1,000
    stored objects, and every `+` of bytes would copy all of them again."""
    parts = [b'{"more":true,"next":' + json.dumps(next_token).encode() if next_token
             else b'{"more":false']  # fmt: skip
    if items:
        parts += [b',"', key.encode(), b'":[', *_joined(items), b"]"]
    parts.append(b"}")
    return b"".join(parts)


def _joined(items: list[bytes]) -> list[bytes]:
    # The separators between the items, without a copy of the items.
    out = [b","] * (2 * len(items) - 1)
    out[::2] = items
    return out


def _caller(request: Request) -> Principal:
    with _read_as_caller(request) as (_, principal):
        return principal


@contextmanager
def _read_as_caller(request: Request) -> Iterator[tuple[Connection, Principal]]:
    """A read transaction and the caller, whose Basic password (if any) was checked
    before the read began, so that no connection waits on argon2."""
    node: Node = request.app.state.node
    for _ in range(2):
        _sign_in(request)
        with node.db.read() as conn:
            try:
                principal = _caller_in(conn, request)
            except StaleSignIn:
                continue  # forgotten: checked anew with this read ended
            yield conn, principal
            return
    raise TaxiiError(401, "Not authenticated", "wrong username or password",
                     headers={"WWW-Authenticate": 'Basic realm="kizuna", Bearer'})  # fmt: skip


def _sign_in(request: Request) -> None:
    """A Basic password is checked before the caller's read begins, so that no
    connection waits on argon2; call before `_caller_in`."""
    if not _acceptable(request.headers.get("accept", "")):
        raise TaxiiError(406, "Not acceptable", f"Accept must be {TAXII_MEDIA}")
    sign_in_basic(request.app.state.node, request.app.state.basic, request)


def _caller_in(conn: Connection, request: Request) -> Principal:
    if not _acceptable(request.headers.get("accept", "")):
        raise TaxiiError(406, "Not acceptable", f"Accept must be {TAXII_MEDIA}")
    return principal_of(request.app.state.node, request.app.state.basic, request, conn)


def _collection(request: Request, collection_id: str, principal: Caller) -> Collection:
    node: Node = request.app.state.node
    with node.db.read() as conn:
        return _collection_in(conn, collection_id, principal)


def _collection_in(conn: Connection, collection_id: str, principal: Principal) -> Collection:
    # A peer's collection exists only for that peer's own account, and that account
    # reads no other: the general collections hold what other nations' nodes sent this
    # one, which is theirs to share (walk 37).
    peer = peer_of(conn, principal)
    if peer is not None:
        if peer_collection(peer.nation).id == collection_id:
            return peer_collection(peer.nation)
        raise TaxiiError(404, "Not found", f"no collection {collection_id} for a partner node")
    found = find(collection_id)
    if found is not None:
        return found
    raise TaxiiError(404, "Not found", f"no collection {collection_id}")


Caller = Annotated[Principal, Depends(_caller)]


Coll = Annotated[Collection, Depends(_collection)]


def create_taxii_app(node: Node) -> FastAPI:
    """The TAXII sub-application: its own error format, the node's store behind it."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, telemetry=NO_TELEMETRY)
    app.state.node = node
    app.state.basic = BasicCache(node.store.node.secret)

    async def taxii_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TaxiiError)
        return error_response(exc)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "Not found", 405: "Method not allowed"}
        return error_response(
            TaxiiError(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
        )

    async def store_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StoreError)
        status = 400 if exc.status == 422 else exc.status
        return error_response(TaxiiError(status, "Bad request", f"{exc.field}: {exc}"))

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(TaxiiError(400, "Bad request", str(exc.errors()[:1])))

    app.add_exception_handler(TaxiiError, taxii_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(RequestValidationError, validation_error)

    @app.get("/")
    def discovery(_principal: Caller) -> Response:
        return _taxii(
            {
                "title": f"Kizuna node {node.store.node.nation}",
                "description": "TAXII 2.1 server of a Kizuna node: labelled objects, "
                "each caller sees exactly what its clearance allows.",
                "default": f"/taxii2/{API_ROOT}/",
                "api_roots": [f"/taxii2/{API_ROOT}/"],
            }
        )

    @app.get(f"/{API_ROOT}/")
    def api_root(_principal: Caller) -> Response:
        return _taxii(
            {
                "title": f"Kizuna {node.store.node.nation}",
                "description": "Reports, assessments, coordination and cyber threat "
                "intelligence of this node.",
                "versions": [TAXII_MEDIA],
                "max_content_length": node.settings.max_body_bytes,
            }
        )

    @app.get(f"/{API_ROOT}/collections/")
    def collections(principal: Caller) -> Response:
        nation = node.store.node.nation
        with node.db.read() as conn:
            peer = peer_of(conn, principal)
        served = [peer_collection(peer.nation)] if peer else list(COLLECTIONS)
        return _taxii({"collections": [c.resource(principal, nation) for c in served]})

    @app.get(f"/{API_ROOT}/collections/{{collection_id}}/")
    def collection(principal: Caller, coll: Coll) -> Response:
        return _taxii(coll.resource(principal, node.store.node.nation))

    def get_objects(request: Request) -> Response:
        # The hottest path is a plain route: it resolves its caller and collection in
        # its own thread, not as dependencies (each sync dependency is a trip through
        # the thread pool), and has no parameters for FastAPI to solve (issue 12).
        collection_id = request.path_params["collection_id"]
        # The caller's checks, its collection and its page are read in one transaction.
        with _read_as_caller(request) as (conn, principal):
            coll = _collection_in(conn, collection_id, principal)
            query = _query(request, coll)
            limit = _limit(request.query_params.get("limit"))
            token = request.query_params.get("next")
            if coll.peer is None:
                found = bodies(
                    node.store, principal, query, limit=limit, cursor_token=token, conn=conn
                )
            else:
                page = feed(
                    node.store, principal, query, limit=limit, cursor_token=token, conn=conn
                )
        if coll.peer is not None:
            items = [
                json.dumps(signed_for_peer(node, o), ensure_ascii=False).encode()
                for o in page.items
            ]
            return _taxii(_paged(page.next, "objects", items), headers=_date_headers(page.items))
        # The stored texts are canonical JSON already: joined as text and encoded
        # once, with no Python object per row.
        texts = [",".join(found.texts).encode()] if found.texts else []
        headers = {}
        if found.first_added is not None and found.last_added is not None:
            headers = _added_headers(found.first_added, found.last_added)
        return _taxii(_paged(found.next, "objects", texts), headers=headers)

    app.add_route(f"/{API_ROOT}/collections/{{collection_id}}/objects/", get_objects, ["GET"])

    @app.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/")
    def get_object(request: Request, principal: Caller, coll: Coll, object_id: str) -> Response:
        page = entries(
            node.store,
            principal,
            _query(request, coll, ids=(object_id,)),
            limit=_limit(request.query_params.get("limit")),
            cursor_token=request.query_params.get("next"),
        )
        if not page.items and not request.query_params.get("next"):
            raise TaxiiError(404, "Not found", f"no object {object_id} in this collection")
        body = _paged(page.next, "objects", [o.body.encode() for o in page.items])
        return _taxii(body, headers=_date_headers(page.items))

    @app.delete(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/")
    def delete_object(_principal: Caller, _coll: Coll, object_id: str) -> Response:
        raise TaxiiError(
            405, "Method not allowed", f"{object_id}: Kizuna never deletes; history is kept"
        )

    @app.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
    def get_versions(request: Request, principal: Caller, coll: Coll, object_id: str) -> Response:
        page = entries(
            node.store,
            principal,
            _query(request, coll, ids=(object_id,), versions=("all",)),
            limit=_limit(request.query_params.get("limit")),
            cursor_token=request.query_params.get("next"),
        )
        if not page.items and not request.query_params.get("next"):
            raise TaxiiError(404, "Not found", f"no object {object_id} in this collection")
        stamps = [json.dumps(o.modified or o.recorded_at).encode() for o in page.items]
        return _taxii(_paged(page.next, "versions", stamps), headers=_date_headers(page.items))

    @app.get(f"/{API_ROOT}/collections/{{collection_id}}/manifest/")
    def get_manifest(request: Request, principal: Caller, coll: Coll) -> Response:
        page = entries(
            node.store,
            principal,
            _query(request, coll),
            limit=_limit(request.query_params.get("limit")),
            cursor_token=request.query_params.get("next"),
        )
        records = [
            json.dumps(
                {
                    "id": o.id,
                    "date_added": o.recorded_at,
                    "version": o.modified or o.recorded_at,
                    "media_type": STIX_MEDIA,
                }
            ).encode()
            for o in page.items
        ]
        return _taxii(_paged(page.next, "objects", records), headers=_date_headers(page.items))

    @app.post(f"/{API_ROOT}/collections/{{collection_id}}/objects/")
    async def post_objects(request: Request, principal: Caller, coll: Coll) -> Response:
        media = request.headers.get("content-type", "")
        if not _acceptable(media) or "version=2.1" not in media.replace(" ", ""):
            raise TaxiiError(415, "Unsupported media type", f"Content-Type must be {TAXII_MEDIA}")
        try:
            envelope = json.loads(await request.body())
        except ValueError as exc:
            raise TaxiiError(400, "Bad request", f"the envelope is not JSON: {exc}") from exc
        except RecursionError as exc:
            raise TaxiiError(400, "Bad request", "the envelope nests too deeply") from exc
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
            raise TaxiiError(400, "Bad request", "an envelope is an object with an objects list")
        if not coll.resource(principal, node.store.node.nation)["can_write"]:
            with node.db.write() as conn:
                audit.append(
                    conn,
                    actor=principal.name,
                    action="refused",
                    target=coll.id,
                    detail={"action": str(Permission.OBJECT_WRITE), "reason": "TAXII POST"},
                )
            raise TaxiiError(403, "Forbidden", f"{principal.name} may not write to this node")
        allowed = frozenset(coll.scope) if coll.scope else None
        outcomes = import_objects(
            node.store, principal, envelope["objects"], source="taxii", allowed=allowed
        )
        status = _save_status(node, principal, outcomes)
        return _taxii(status, status=202)

    @app.get(f"/{API_ROOT}/status/{{status_id}}/")
    def get_status(principal: Caller, status_id: str) -> Response:
        with node.db.read() as conn:
            row = conn.execute(
                taxii_status.select().where(
                    taxii_status.c.id == status_id, taxii_status.c.owner == principal.name
                )
            ).first()
        if row is None:
            raise TaxiiError(404, "Not found", f"no status {status_id}")
        return _taxii(_status_resource(row))

    return app


def _save_status(node: Node, principal: Principal, outcomes: list[Any]) -> dict[str, Any]:
    good = [o.as_taxii() for o in outcomes if o.ok]
    bad = [o.as_taxii() for o in outcomes if not o.ok]
    row = {
        "id": str(uuid.uuid4()),
        "owner": principal.name,
        "request_timestamp": clock.now_ts(),
        "status": "complete",
        "total_count": len(outcomes),
        "success_count": len(good),
        "failure_count": len(bad),
        "pending_count": 0,
        "successes": json.dumps(good, ensure_ascii=False),
        "failures": json.dumps(bad, ensure_ascii=False),
        "pendings": "[]",
    }
    with node.db.write() as conn:
        conn.execute(taxii_status.insert().values(**row))
    return _status_resource(row)


def _status_resource(row: Any) -> dict[str, Any]:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    made: dict[str, Any] = {
        key: data[key]
        for key in ("id", "status", "request_timestamp", "total_count", "success_count",
                    "failure_count", "pending_count")
    }  # fmt: skip
    for key in ("successes", "failures", "pendings"):
        items = json.loads(data[key])
        if items:
            made[key] = items
    return made
