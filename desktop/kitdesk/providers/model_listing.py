"""Asking one provider for its models, and why it failed in words.

``fetch_model_ids`` sends the request the ``openai`` client's
``models.list()`` sends (``GET {base_url}/models`` with the key as a bearer
token, Azure's ``api-version``, OpenAI's organisation and project headers, no
retries, no redirects) on an ``httpx2`` client, the HTTP library ``openai``
itself runs on (so TLS trusts the same certificates). The models catalog
(``catalog.py``) uses it: the web UI asks for models as soon as the window
shows, and the ``openai`` package is about 15 MB of memory and 0.4-0.9 s of
CPU to import, on the server thread while the window starts. Turns do not
load it either (``endpoint.py``); only hosted workflows do.

``openai_client`` builds an ``AsyncOpenAI`` for a provider that never falls
back to environment variables (the hosted workflows, ``workflows.py``, use it);
``describe_failure`` and ``describe_http_failure`` turn what went wrong with
either into the same sentences for a person.

Messages here never include the provider's response body: OpenAI echoes part
of a rejected key there.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kitdesk.providers.tls import shared_tls_context

if TYPE_CHECKING:
    import httpx2
    import openai

DEFAULT_TIMEOUT = 5.0
# Local servers want no key, but the client refuses an empty one and would
# otherwise read OPENAI_API_KEY from the environment and send it to them.
NO_KEY = "no-key"


class ModelsUnavailable(Exception):
    """A provider's model list could not be fetched; the message is for a person."""


def new_http_client() -> httpx2.AsyncClient:
    """A connection pool for model requests. No redirects: a key header must not follow a 307
    to another host."""
    import httpx2

    return httpx2.AsyncClient(follow_redirects=False, verify=shared_tls_context())


def models_request(
    *, base_url: str, key: str | None, kind: str = "custom", api_version: str | None = None
) -> tuple[str, dict[str, str], dict[str, str]]:
    """URL, headers and query of ``models.list()`` as ``openai_client`` would send it."""
    headers = {"Authorization": f"Bearer {key or NO_KEY}", "Accept": "application/json"}
    if kind == "openai":  # the openai client reads these for OpenAI itself only
        for header, variable in (
            ("OpenAI-Organization", "OPENAI_ORG_ID"),
            ("OpenAI-Project", "OPENAI_PROJECT_ID"),
        ):
            if value := os.environ.get(variable):
                headers[header] = value
    query = {"api-version": api_version} if kind == "azure" and api_version else {}
    return f"{base_url.rstrip('/')}/models", headers, query


async def fetch_model_ids(
    http: httpx2.AsyncClient,
    *,
    base_url: str,
    key: str | None,
    kind: str = "custom",
    api_version: str | None = None,
    phase_timeout: float = DEFAULT_TIMEOUT,
) -> list[Any]:
    """The ``id`` of every entry of the provider's ``data`` list (checked by the caller).

    Raises httpx2's errors, ``StatusError`` for an answer that is not 2xx, and
    ``ValueError`` or ``TypeError`` for a body that is not a model list.
    """
    url, headers, query = models_request(
        base_url=base_url, key=key, kind=kind, api_version=api_version
    )
    # Per phase (connect, read...), as the openai client's timeout; the caller caps the whole.
    response = await http.get(url, headers=headers, params=query, timeout=phase_timeout)
    if not response.is_success:
        raise StatusError(response.status_code, response.headers.get("retry-after"))
    entries = response.json()["data"]
    if not isinstance(entries, list):
        raise TypeError("data is not a list")
    return [entry["id"] for entry in entries]


class StatusError(Exception):
    """A provider answered with an HTTP status other than 2xx."""

    def __init__(self, status: int, retry_after: str | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def openai_client(
    *,
    base_url: str,
    key: str | None,
    kind: str = "custom",
    api_version: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    http_client: openai.DefaultAsyncHttpxClient | None = None,
) -> openai.AsyncOpenAI:
    """An AsyncOpenAI client for one provider that never falls back to environment variables.

    Pass a shared ``http_client``: building one loads the CA bundle, which
    costs about 70 ms, against about 1 ms for the client around it.
    """
    import openai

    default_query = {"api-version": api_version} if kind == "azure" and api_version else None
    return openai.AsyncOpenAI(
        api_key=key or NO_KEY,
        base_url=base_url,
        organization=None,
        project=None,
        timeout=timeout,
        max_retries=0,
        default_query=default_query,
        # None above still reads OPENAI_ORG_ID / OPENAI_PROJECT_ID: they are for OpenAI only.
        default_headers=None
        if kind == "openai"
        else {"OpenAI-Organization": openai.omit, "OpenAI-Project": openai.omit},  # type: ignore[dict-item]
        http_client=http_client,
    )


def describe_failure(exc: BaseException, *, base_url: str, timeout: float, sent_key: bool) -> str:
    """A sentence for a person about why an ``openai`` client call failed; never quotes
    the response."""
    import openai  # loaded already: the failure came from its client

    if isinstance(exc, openai.APITimeoutError | asyncio.TimeoutError):
        return _no_answer(base_url, timeout)
    if isinstance(exc, openai.APIConnectionError):
        return _no_connection(base_url)
    if isinstance(exc, openai.APIStatusError):
        retry_after = exc.response.headers.get("retry-after")
        return _status_sentence(exc.status_code, retry_after, base_url=base_url, sent_key=sent_key)
    return _not_openai(base_url)


def describe_http_failure(
    exc: BaseException, *, base_url: str, timeout: float, sent_key: bool
) -> str:
    """``describe_failure`` for ``fetch_model_ids``: the same sentence for the same failure."""
    import httpx2  # loaded already: the request went through it

    if isinstance(exc, httpx2.TimeoutException | asyncio.TimeoutError):
        return _no_answer(base_url, timeout)
    if isinstance(exc, httpx2.RequestError):  # what the openai client calls a connection error
        return _no_connection(base_url)
    if isinstance(exc, StatusError):
        return _status_sentence(exc.status, exc.retry_after, base_url=base_url, sent_key=sent_key)
    return _not_openai(base_url)


def _no_answer(base_url: str, timeout: float) -> str:
    return (
        f"No answer from {base_url} within {timeout:g} seconds — "
        "is the server running and reachable?"
    )


def _no_connection(base_url: str) -> str:
    return f"Could not connect to {base_url} — is the server running?"


def _not_openai(base_url: str) -> str:
    return f"The server at {base_url} did not answer like an OpenAI-compatible API."


def _status_sentence(status: int, retry_after: str | None, *, base_url: str, sent_key: bool) -> str:
    if status == 401:
        if not sent_key:
            return "The server asks for an API key. Add one in Settings."
        return "Key rejected by the provider. Check that the key is complete and still active."
    if status == 403:
        return (
            "The provider refused access (HTTP 403). Check that the key is allowed to list models."
        )
    if status == 404:
        return (
            f"{base_url}/models was not found (HTTP 404). Check the base URL: "
            "OpenAI-compatible servers usually end in /v1."
        )
    if status == 429:
        later = (
            f"in {retry_after} seconds" if retry_after and retry_after.isdigit() else "in a moment"
        )
        return f"Rate limited by the provider (HTTP 429). Try again {later}."
    if status >= 500:
        return f"The provider had a server error (HTTP {status}). Try again later."
    return f"The provider answered with an error (HTTP {status})."


# OpenAI's own list mixes in models that cannot chat (embeddings, speech,
# images, moderation); only OpenAI's list is filtered, since a custom server's
# names are the user's own choice.
_NOT_CHAT = re.compile(
    r"embed|tts|whisper|transcribe|dall-e|gpt-image|moderation|realtime|^babbage|^davinci",
    re.IGNORECASE,
)


def chat_models(kind: str, model_ids: Iterable[str]) -> set[str]:
    """The names a provider lists that can chat (only OpenAI's list is filtered)."""
    names = set(model_ids)
    if kind == "openai":
        names = {name for name in names if not _NOT_CHAT.search(name)}
    return names
