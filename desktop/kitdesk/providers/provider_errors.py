"""How a request to a model provider fails: Kitdesk's own exception types.

The turn path talks to providers without the ``openai`` package (``endpoint.py``
says why), so its failures need names of their own. They mirror what the
``openai`` client raised before, because ``chat/upstream_errors.py`` turns each
into a sentence and those sentences must not change: a status error carries
the status, the ``error`` object of a JSON body, the message extracted as the
client's ``_make_status_error_from_response`` does, and the response headers
(``Retry-After``); a timeout is a kind of connection failure.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import cast

import anyio
import httpx2

# Packages whose exceptions mean "the request could not be made or read".
TRANSPORT_MODULES = ("httpx", "httpx2", "httpcore", "httpcore2")


class ProviderError(Exception):
    """A request to a model provider failed."""


class ProviderConnectionError(ProviderError):
    """No connection could be made, or it dropped before the reply was whole."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message)


class ProviderTimeout(ProviderConnectionError):
    """The provider did not answer (or stopped answering) within the timeout."""

    def __init__(self, message: str = "Request timed out.") -> None:
        super().__init__(message)


class ProviderMalformedReply(ProviderError):
    """The provider answered 2xx with a body that is not what the API defines."""


class ProviderStatusError(ProviderError):
    """The provider answered with a status other than 2xx."""

    def __init__(
        self, message: str, *, status_code: int, body: object, headers: Mapping[str, str]
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        # The ``error`` object of a JSON body (the whole body if it has none), else its text.
        self.body = body
        self.headers = headers
        fields = json_object(body)
        code = fields.get("code") if fields is not None else None
        self.code: str | None = str(code) if code is not None else None


def json_object(value: object) -> dict[str, object] | None:
    """``value`` if it is a JSON object, else None."""
    return cast(dict[str, object], value) if isinstance(value, dict) else None


def status_error(response: httpx2.Response) -> ProviderStatusError:
    """The error for a non-2xx ``response`` whose body has been read."""
    message = f"Error code: {response.status_code}"
    text = response.text.strip()
    body: object = text
    try:
        parsed: object = json.loads(text)
    except ValueError:
        pass
    else:
        # The ``error`` object of OpenAI's error shape; its message names what went wrong.
        whole = json_object(parsed)
        body = whole.get("error", whole) if whole is not None else parsed
        error = json_object(body)
        detail = error.get("message") if error is not None else None
        if isinstance(detail, str) and detail:
            message += f" - {detail}"
    return ProviderStatusError(
        message, status_code=response.status_code, body=body, headers=response.headers
    )


def is_transport_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the HTTP stack (socket, TLS, protocol), not from our code."""
    if isinstance(exc, ssl.SSLError | anyio.EndOfStream):
        return True
    return type(exc).__module__.split(".", 1)[0] in TRANSPORT_MODULES


def connection_error(exc: BaseException) -> ProviderConnectionError:
    """A transport failure, named as a timeout or a connection error."""
    if isinstance(exc, httpx2.TimeoutException) or "timeout" in type(exc).__name__.lower():
        return ProviderTimeout()
    return ProviderConnectionError()
