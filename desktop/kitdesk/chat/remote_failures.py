"""What a person reads when a ChatKit server (a provider of kind ``chatkit``) fails.

Every failure of the relay (``chat/remote.py``, ``chat/remote_stream.py``)
becomes one ``RemoteFailure`` whose text names the server and says what to do,
as a model provider's failures do (``chat/upstream_errors.py``): refused (an
HTTP error status), no answer (connect or read timeout), not ChatKit, dropped
connection. The sentences live in one table, ``FAILURES``; ``refusal`` and
``transport_failure`` pick a row by HTTP status or exception, ``failure`` by
name. Inside a stream the same sentence travels as a ChatKit ``error`` event
(``error_frame``), so the window shows it where the answer stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
from chatkit.types import ErrorEvent


class Named(Protocol):
    """What a sentence needs to know of the server (``RemoteEndpoint`` has it)."""

    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...


class RemoteFailure(Exception):
    """A ChatKit server could not answer; ``str()`` is the sentence for a person."""

    def __init__(self, message: str, *, status: int, code: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.status = status  # for a JSON answer to a non-streaming request
        self.code = code
        self.unreachable = unreachable  # nothing answered: offline reading applies


def error_frame(message: str, *, allow_retry: bool) -> bytes:
    """A ChatKit ``error`` event as one SSE frame."""
    event = ErrorEvent(code="custom", message=message, allow_retry=allow_retry)
    return b"data: " + event.model_dump_json().encode() + b"\n\n"


@dataclass(frozen=True)
class _Failure:
    """One row of ``FAILURES``: the sentence (``{name}``, ``{url}``, ``{status}``,
    ``{connect}``, ``{read}`` filled in), the HTTP status a non-streaming request is
    answered with, the error code, and whether nothing answered at all."""

    sentence: str
    status: int
    code: str
    unreachable: bool = False


_SERVER = "The ChatKit server “{name}”"
_CONNECTION = "The connection to the ChatKit server “{name}”"

FAILURES: dict[str, _Failure] = {
    "redirect": _Failure(
        f"{_SERVER} answered with a redirect (HTTP {{status}}). Kitdesk does not follow "
        "redirects: put the final address in Settings instead of {url}.",
        502,
        "remote_redirect",
    ),
    "refused": _Failure(
        f"{_SERVER} refused the request (HTTP {{status}}). Check its request headers in Settings.",
        502,
        "remote_refused",
    ),
    "not_found": _Failure(
        f"{_SERVER} answered “not found” (HTTP 404). The conversation may have been deleted "
        "there, or {url} is not its ChatKit endpoint.",
        404,
        "remote_not_found",
    ),
    "rate_limited": _Failure(
        f"{_SERVER} is rate limiting requests (HTTP 429). Try again in a moment.",
        502,
        "remote_rate_limited",
    ),
    "unavailable": _Failure(
        f"{_SERVER} is unavailable or failed (HTTP {{status}}). Try again later.",
        502,
        "remote_unavailable",
    ),
    "could_not": _Failure(f"{_SERVER} could not do that (HTTP {{status}}).", 502, "remote_refused"),
    "connect_timeout": _Failure(
        f"{_SERVER} did not answer within {{connect:g}} seconds. Is it running at {{url}}?",
        504,
        "remote_timeout",
        unreachable=True,
    ),
    "read_timeout": _Failure(
        f"{_SERVER} stopped answering for {{read:g}} seconds. Try again later.",
        504,
        "remote_timeout",
    ),
    "unreachable": _Failure(
        "Could not connect to the ChatKit server “{name}” at {url}. Is it running?",
        502,
        "remote_unreachable",
        unreachable=True,
    ),
    "dropped": _Failure(f"{_CONNECTION} dropped. Try again.", 502, "remote_dropped"),
    "dropped_mid_answer": _Failure(
        f"{_CONNECTION} dropped mid-answer. What arrived is kept; try again.",
        502,
        "remote_dropped",
    ),
    "not_chatkit": _Failure(
        "The server at {url} did not answer like a ChatKit server. "
        "Check the provider's base URL: it is the server's ChatKit endpoint.",
        502,
        "remote_malformed",
    ),
}


def failure(kind: str, server: Named, **values: object) -> RemoteFailure:
    """The ``FAILURES`` row ``kind`` as a RemoteFailure naming ``server``."""
    row = FAILURES[kind]
    return RemoteFailure(
        row.sentence.format(name=server.name, url=server.url, **values),
        status=row.status,
        code=row.code,
        unreachable=row.unreachable,
    )


def refusal(server: Named, status: int) -> RemoteFailure:
    """The server answered with an HTTP status other than 200."""
    if 300 <= status < 400:
        kind = "redirect"
    elif status in (401, 403):
        kind = "refused"
    else:
        kind = {404: "not_found", 429: "rate_limited"}.get(status)
        kind = kind or ("unavailable" if status >= 500 else "could_not")
    return failure(kind, server, status=status)


def transport_failure(server: Named, exc: Exception, timeout: httpx.Timeout) -> RemoteFailure:
    """Connecting or reading failed; ``timeout`` is the one the request was sent with."""
    if isinstance(exc, httpx.ConnectTimeout):
        kind = "connect_timeout"
    elif isinstance(exc, httpx.TimeoutException):
        kind = "read_timeout"
    elif isinstance(exc, httpx.ConnectError):
        kind = "unreachable"
    else:
        kind = "dropped"
    return failure(kind, server, connect=timeout.connect or 0, read=timeout.read or 0)
