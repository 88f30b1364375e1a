"""Why a pull from a peer failed, as a short code an operator's page words.

The federation loop records two things of a failed pull: this code (`classify`) and
the technical detail (the exception's type and message, as the log has it in full with
its traceback). The page shows a sentence for the code in the reader's language, and
the detail folded beneath it; a raw Python exception ("ConnectionError:
HTTPConnectionPool(…) Max retries exceeded…") is not something an operator can act on.

Codes: `refused` (nothing listens at the peer's address), `unreachable` (its name does
not resolve, no route), `timeout`, `tls` (the secure connection failed: a certificate,
a TLS setting), `http-<status>` (the peer answered with an HTTP error), `answer` (what
it answered is not a TAXII answer), `node` (this node failed: its database, a bug).
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator

import requests
from taxii2client.exceptions import TAXIIServiceException

__all__ = ["KINDS", "classify", "detail"]

KINDS = ("refused", "unreachable", "timeout", "tls", "http", "answer", "node")
# The detail kept beside the code: enough to diagnose, bounded.
_LONGEST = 500


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every one it carries: its causes, and the exceptions that
    requests and urllib3 wrap in their arguments (`MaxRetryError.reason`)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        found = todo.pop()
        if id(found) in seen:
            continue
        seen.add(id(found))
        yield found
        todo += [e for e in (found.__cause__, found.__context__) if e is not None]
        todo += [a for a in found.args if isinstance(a, BaseException)]
        reason = getattr(found, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)


def classify(exc: BaseException) -> str:
    """The code of a failed pull (see the module's docstring)."""
    chain = list(_chain(exc))
    for found in chain:
        if isinstance(found, requests.HTTPError) and found.response is not None:
            return f"http-{found.response.status_code}"
    if any(isinstance(e, requests.exceptions.SSLError | ssl.SSLError) for e in chain):
        return "tls"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    if any(isinstance(e, requests.Timeout | TimeoutError) for e in chain):
        return "timeout"
    # Not any OSError: a full disk on this node is this node's failure, not the link's.
    if any(isinstance(e, requests.ConnectionError | ConnectionError | socket.gaierror)
           for e in chain):  # fmt: skip
        return "unreachable"
    if any(isinstance(e, TAXIIServiceException | json.JSONDecodeError) for e in chain):
        return "answer"
    return "node"


def detail(exc: BaseException) -> str:
    """The technical detail kept beside the code: the exception's type and message."""
    return f"{type(exc).__name__}: {exc}"[:_LONGEST]
