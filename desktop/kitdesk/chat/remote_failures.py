"""What a person reads when a ChatKit server (a provider of kind ``chatkit``) fails.

Every failure of the relay (``chat/remote.py``, ``chat/remote_stream.py``)
becomes one ``RemoteFailure`` whose text names the server and says what to do,
as a model provider's failures do (``chat/upstream_errors.py``): refused (an
HTTP error status), no answer (connect or read timeout), not ChatKit, dropped
connection. Inside a stream the same sentence travels as a ChatKit ``error``
event (``error_frame``), so the window shows it where the answer stopped.
"""

from __future__ import annotations

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


def refusal(server: Named, status: int) -> RemoteFailure:
    """The server answered with an HTTP status other than 200."""
    name = f"The ChatKit server “{server.name}”"
    if 300 <= status < 400:
        return RemoteFailure(
            f"{name} answered with a redirect (HTTP {status}). Kitdesk does not follow "
            f"redirects: put the final address in Settings instead of {server.url}.",
            status=502,
            code="remote_redirect",
        )
    if status in (401, 403):
        return RemoteFailure(
            f"{name} refused the request (HTTP {status}). Check its request headers in Settings.",
            status=502,
            code="remote_refused",
        )
    if status == 404:
        return RemoteFailure(
            f"{name} answered “not found” (HTTP 404). The conversation may have been deleted "
            f"there, or {server.url} is not its ChatKit endpoint.",
            status=404,
            code="remote_not_found",
        )
    if status == 429:
        return RemoteFailure(
            f"{name} is rate limiting requests (HTTP 429). Try again in a moment.",
            status=502,
            code="remote_rate_limited",
        )
    if status >= 500:
        return RemoteFailure(
            f"{name} is unavailable or failed (HTTP {status}). Try again later.",
            status=502,
            code="remote_unavailable",
        )
    return RemoteFailure(
        f"{name} could not do that (HTTP {status}).", status=502, code="remote_refused"
    )


def transport_failure(server: Named, exc: Exception, timeout: httpx.Timeout) -> RemoteFailure:
    """Connecting or reading failed; ``timeout`` is the one the request was sent with."""
    name = f"The ChatKit server “{server.name}”"
    if isinstance(exc, httpx.ConnectTimeout):
        return RemoteFailure(
            f"{name} did not answer within {timeout.connect or 0:g} seconds. Is it running at "
            f"{server.url}?",
            status=504,
            code="remote_timeout",
            unreachable=True,
        )
    if isinstance(exc, httpx.TimeoutException):
        return RemoteFailure(
            f"{name} stopped answering for {timeout.read or 0:g} seconds. Try again later.",
            status=504,
            code="remote_timeout",
        )
    if isinstance(exc, httpx.ConnectError):
        return RemoteFailure(
            f"Could not connect to the ChatKit server “{server.name}” at {server.url}. "
            "Is it running?",
            status=502,
            code="remote_unreachable",
            unreachable=True,
        )
    return RemoteFailure(
        f"The connection to the ChatKit server “{server.name}” dropped. Try again.",
        status=502,
        code="remote_dropped",
    )


def dropped_mid_answer(server: Named) -> RemoteFailure:
    return RemoteFailure(
        f"The connection to the ChatKit server “{server.name}” dropped mid-answer. "
        "What arrived is kept; try again.",
        status=502,
        code="remote_dropped",
    )


def not_chatkit(server: Named) -> RemoteFailure:
    return RemoteFailure(
        f"The server at {server.url} did not answer like a ChatKit server. "
        "Check the provider's base URL: it is the server's ChatKit endpoint.",
        status=502,
        code="remote_malformed",
    )
