"""What a turn works with: the model that answers and the tools it may call.

The model is the composer's choice for this message, else the model that
answered the thread last (remembered in its metadata), else the default of the
thread's folder, else the default in Settings. The tools are those of the MCP
servers the composer picked for this message, else those the thread remembers,
else every enabled server's; the hosted web search is on when the composer or
the thread says so.
"""

from __future__ import annotations

from chatkit.errors import CustomStreamError
from chatkit.types import ThreadMetadata, UserMessageItem

from kitdesk.keys import KeyStore
from kitdesk.providers.resolver import ProviderNotReady, ProviderResolver, ResolvedModel, make_ref
from kitdesk.settings import Settings

THREAD_MODEL_KEY = "model"
# Per-chat tool choices (server side): which MCP servers are on, web search on.
SERVERS_KEY = "mcp_servers"
WEB_SEARCH_TOOL = "web_search"
SERVER_TOOL_PREFIX = "mcp:"


def string_list(value: object) -> list[str]:
    """A list of names kept in thread metadata, without anything that is not a string."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def chosen_model_ref(
    thread: ThreadMetadata, message: UserMessageItem | None, folder_default: str | None = None
) -> str | None:
    """The composer's choice, else the thread's last model, else its folder's default;
    None when nothing chose one (the default provider's default answers)."""
    if message is not None and message.inference_options and message.inference_options.model:
        return message.inference_options.model
    last = thread.metadata.get(THREAD_MODEL_KEY)
    if isinstance(last, str) and last:
        return last
    return folder_default or None


def model_ref(
    thread: ThreadMetadata,
    message: UserMessageItem | None,
    resolver: ProviderResolver,
    folder_default: str | None = None,
) -> str | None:
    """The model chosen for this turn (``chosen_model_ref``), else the default."""
    return chosen_model_ref(thread, message, folder_default) or resolver.default_ref()


def resolve_model(
    settings: Settings,
    keys: KeyStore,
    thread: ThreadMetadata,
    message: UserMessageItem | None,
    folder_default: str | None = None,
) -> ResolvedModel:
    """The model for this turn; a provider that is not ready is a sentence in the thread."""
    resolver = ProviderResolver(settings, keys)
    try:
        return resolver.resolve(model_ref(thread, message, resolver, folder_default))
    except ProviderNotReady as exc:
        raise CustomStreamError(str(exc), allow_retry=True) from None


def remember_model(thread: ThreadMetadata, model: ResolvedModel) -> None:
    """The next turn (and the UI) default to the model that answered this one."""
    thread.metadata[THREAD_MODEL_KEY] = make_ref(model.provider_id, model.model)


def tool_choice(message: UserMessageItem | None) -> str | None:
    options = message.inference_options if message is not None else None
    choice = options.tool_choice if options is not None else None
    return choice.id if choice is not None else None


def web_search_on(thread: ThreadMetadata, message: UserMessageItem | None) -> bool:
    return tool_choice(message) == WEB_SEARCH_TOOL or bool(thread.metadata.get(WEB_SEARCH_TOOL))


def chosen_servers(thread: ThreadMetadata, message: UserMessageItem | None) -> list[str] | None:
    """The MCP server ids this turn may use (None: every enabled server)."""
    choice = tool_choice(message)
    if choice and choice.startswith(SERVER_TOOL_PREFIX):
        return [choice.removeprefix(SERVER_TOOL_PREFIX)]
    if isinstance(thread.metadata.get(SERVERS_KEY), list):
        return string_list(thread.metadata[SERVERS_KEY])
    return None
