"""Why a pull from a peer failed, as a short code an operator's page words.

The federation loop records two things of a failed pull: this code (`classify`) and
the technical detail (the exception's type and message, as the log has it in full with
its traceback). The page shows a sentence for the code in the reader's language, and
the detail folded beneath it; a raw Python exception ("ConnectionError:
HTTPConnectionPool(…) Max retries exceeded…") is not something an operator can act on.

Codes: `refused` (nothing listens at the peer's address), `unreachable` (its name does
not resolve, no route), `timeout`, `tls` (the secure connection failed: a certificate,
a TLS setting), `http-<status>` (the peer answered with an HTTP error), `redirect`
(the peer answered with a redirect, which a pull never follows), `too-large` (its
answer ran past the size a page may have), `answer` (what it answered is not a TAXII
answer), `node` (this node failed: its database, a bug). An answer read for longer
than its deadline is a `timeout`.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator

import requests
from taxii2client.exceptions import TAXIIServiceException

__all__ = ["KINDS", "Redirected", "TooLarge", "TooSlow", "classify", "detail"]

KINDS = (
    "refused", "unreachable", "timeout", "tls", "http", "redirect", "too-large", "answer",
    "node",
)  # fmt: skip
# The detail kept beside the code: enough to diagnose, bounded.
_LONGEST = 500


class Redirected(requests.RequestException):
    """The peer answered a pull with a redirect. Never followed: the address is the
    peer's to choose, and the pull's token and this node's position in the network
    would go with the request to wherever it names."""


class TooLarge(requests.RequestException):
    """The peer's answer ran past the size a page of the pull may have."""


class TooSlow(requests.Timeout):
    """The peer's answer took longer than its deadline to arrive, however steadily it
    trickled in."""


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
    if any(isinstance(e, Redirected) for e in chain):
        return "redirect"
    if any(isinstance(e, TooLarge) for e in chain):
        return "too-large"
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
    broken = requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    if any(isinstance(e, TAXIIServiceException | json.JSONDecodeError | broken) for e in chain):
        return "answer"
    return "node"


def detail(exc: BaseException) -> str:
    """The technical detail kept beside the code: the exception's type and message."""
    return f"{type(exc).__name__}: {exc}"[:_LONGEST]
