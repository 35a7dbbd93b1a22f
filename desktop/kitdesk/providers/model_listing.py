"""Asking one provider for its models: the client, and why it failed in words.

``openai_client`` builds an ``AsyncOpenAI`` for a provider that never falls
back to environment variables; ``describe_failure`` turns what went wrong into
a sentence for a person. The models catalog (``catalog.py``) and the hosted
workflows (``workflows.py``) use both.

The ``openai`` package (about 15 MB and a second of imports on this machine's
slow days) is imported on first use, not when the app starts: the first
request for models or the chat service's start brings it in.

Messages here never include the provider's response body: OpenAI echoes part
of a rejected key there.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai

DEFAULT_TIMEOUT = 5.0
# Local servers want no key, but the client refuses an empty one and would
# otherwise read OPENAI_API_KEY from the environment and send it to them.
NO_KEY = "no-key"


class ModelsUnavailable(Exception):
    """A provider's model list could not be fetched; the message is for a person."""


def new_http_client() -> openai.DefaultAsyncHttpxClient:
    """A connection pool for model requests. No redirects: a key header must not follow a 307
    to another host."""
    import openai

    return openai.DefaultAsyncHttpxClient(follow_redirects=False)


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
    """A sentence for a person about why listing models failed; never quotes the response."""
    import openai  # loaded already: the failure came from its client

    if isinstance(exc, openai.APITimeoutError | asyncio.TimeoutError):
        return (
            f"No answer from {base_url} within {timeout:g} seconds — "
            "is the server running and reachable?"
        )
    if isinstance(exc, openai.APIConnectionError):
        return f"Could not connect to {base_url} — is the server running?"
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 401:
            if not sent_key:
                return "The server asks for an API key. Add one in Settings."
            return "Key rejected by the provider. Check that the key is complete and still active."
        if status == 403:
            return (
                "The provider refused access (HTTP 403). Check that the key is allowed "
                "to list models."
            )
        if status == 404:
            return (
                f"{base_url}/models was not found (HTTP 404). Check the base URL: "
                "OpenAI-compatible servers usually end in /v1."
            )
        if status == 429:
            wait = exc.response.headers.get("retry-after")
            later = f"in {wait} seconds" if wait and wait.isdigit() else "in a moment"
            return f"Rate limited by the provider (HTTP 429). Try again {later}."
        if status >= 500:
            return f"The provider had a server error (HTTP {status}). Try again later."
        return f"The provider answered with an error (HTTP {status})."
    return f"The server at {base_url} did not answer like an OpenAI-compatible API."
