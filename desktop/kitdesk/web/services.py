"""What the ``/api`` routers share: the services the composition root builds once,
and the refusals more than one router raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from kitdesk.chat.context import RequestContext
from kitdesk.errors import UserFacingError
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths
from kitdesk.prompts import PromptLibrary
from kitdesk.providers.catalog import ModelsCatalog
from kitdesk.settings import SettingsFile
from kitdesk.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from kitdesk.updates.checker import UpdateChecker
    from kitdesk.updates.relaunch import RestartAfterUpdate


@dataclass
class ApiServices:
    """What the routes need; built once by the composition root (``app.py``)."""

    paths: Paths
    settings_file: SettingsFile
    keys: KeyStore
    models: ModelsCatalog
    store: SQLiteStore
    version: str
    # None where nothing can update (tests of other routes): /api/updates then says so.
    updates: UpdateChecker | None = None
    restart: RestartAfterUpdate | None = None
    # The turn engine's state for /api/health: idle, loading or ready (chat/lazy_engine.py).
    engine_state: Callable[[], str] = lambda: "idle"

    @cached_property
    def prompts(self) -> PromptLibrary:
        """The saved prompts (one file in the data folder); one instance, so one lock."""
        return PromptLibrary(self.paths.prompts_path)


class ProviderNotFound(UserFacingError):
    status = 404
    code = "provider_not_found"

    def __init__(self, provider_id: str) -> None:
        super().__init__(f"There is no provider “{provider_id}”. It may have been removed.")


class ReadOnlyProvider(UserFacingError):
    status = 409
    code = "read_only_provider"

    def __init__(self) -> None:
        super().__init__(
            "The environment provider comes from the OPENAI_API_KEY and OPENAI_BASE_URL "
            "environment variables; change them there and restart Kitdesk."
        )


class AttachmentNotFound(UserFacingError):
    status = 404
    code = "attachment_not_found"

    def __init__(self) -> None:
        super().__init__("That attachment does not exist. It may have been deleted.")


def request_context(request: HTTPConnection) -> RequestContext:
    """The address this request reached Kitdesk at: origin and launch prefix (a
    FastAPI ``Request`` or a bare ASGI scope's ``HTTPConnection``)."""
    return RequestContext(origin=str(request.base_url).rstrip("/"))
