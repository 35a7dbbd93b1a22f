"""Agent Builder workflows (hosted ChatKit): sessions and threads through OpenAI's API.

A workflow runs on OpenAI's servers; Kitdesk's part is to create a ChatKit
session for it with the key of an OpenAI provider (``client.beta.chatkit``) and
hand the session's client secret to OpenAI's own ChatKit runtime, which talks
to OpenAI directly. The key never reaches the page; the secret is short-lived
and scoped to the workflow and the install's ``hosted_user``. The workflow's
threads are listed the same way, for the history.

Failures become one sentence (never the API's response text, which can echo a
key): ``WorkflowUnavailable``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kitdesk.providers.model_listing import DEFAULT_TIMEOUT, describe_failure, openai_client
from kitdesk.settings import Provider, Workflow

if TYPE_CHECKING:
    import openai  # imported on first use (model_listing.py says why)

log = logging.getLogger(__name__)


class WorkflowUnavailable(Exception):
    """A hosted ChatKit call failed; the message is for a person."""


@dataclass(frozen=True)
class HostedSession:
    client_secret: str
    expires_at: int  # Unix seconds

    def to_json(self) -> dict[str, Any]:
        return {"client_secret": self.client_secret, "expires_at": self.expires_at}


def new_hosted_user() -> str:
    return f"kitdesk-{secrets.token_hex(8)}"


def _describe(exc: Exception, workflow: Workflow, provider: Provider, sent_key: bool) -> str:
    import openai  # loaded already: the failure came from its client

    if isinstance(exc, openai.NotFoundError | openai.BadRequestError):
        return (
            f"OpenAI could not start the workflow {workflow.id} (HTTP {exc.status_code}). "
            "Check its id in Agent Builder and that it is published."
        )
    return describe_failure(
        exc, base_url=provider.base_url, timeout=DEFAULT_TIMEOUT, sent_key=sent_key
    )


class HostedChatKit:
    """Creates sessions and lists threads of workflows through one OpenAI provider each."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    def _client(self, provider: Provider, key: str | None) -> openai.AsyncOpenAI:
        return openai_client(base_url=provider.base_url, key=key, timeout=self.timeout)

    async def create_session(
        self, workflow: Workflow, provider: Provider, key: str | None, user: str
    ) -> HostedSession:
        if not key:
            raise WorkflowUnavailable(
                f"“{provider.name}” has no API key, which the workflow “{workflow.name}” needs. "
                "Add one in Settings."
            )
        client = self._client(provider, key)
        try:
            session = await asyncio.wait_for(
                client.beta.chatkit.sessions.create(user=user, workflow={"id": workflow.id}),
                self.timeout + 1,
            )
        except Exception as exc:
            log.info("creating a session for %s failed: %s", workflow.id, type(exc).__name__)
            raise WorkflowUnavailable(_describe(exc, workflow, provider, sent_key=True)) from None
        finally:
            await client.close()
        return HostedSession(client_secret=session.client_secret, expires_at=session.expires_at)

    async def list_threads(
        self, workflow: Workflow, provider: Provider, key: str | None, user: str, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The user's threads (newest first) as ``{id, title, created_at}``."""
        if not key:
            raise WorkflowUnavailable(f"“{provider.name}” has no API key. Add one in Settings.")
        client = self._client(provider, key)
        try:
            page = await asyncio.wait_for(
                client.beta.chatkit.threads.list(user=user, limit=limit, order="desc"),
                self.timeout + 1,
            )
            threads = [
                {"id": thread.id, "title": thread.title, "created_at": thread.created_at}
                for thread in page.data
            ]
        except Exception as exc:
            log.info("listing the threads of %s failed: %s", workflow.id, type(exc).__name__)
            raise WorkflowUnavailable(_describe(exc, workflow, provider, sent_key=True)) from None
        finally:
            await client.close()
        return threads
