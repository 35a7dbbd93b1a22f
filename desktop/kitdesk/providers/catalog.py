"""The models each provider offers, for the composer's model picker.

Lists come from each provider's ``GET {base_url}/models``, sent as the
``openai`` client sends it but without importing it (``model_listing.py``),
fetched concurrently with a short timeout so one slow or
broken provider never holds up or breaks the others. Successful lists are
cached in memory and in ``<cache_dir>/models.json`` (``models_cache.py``; so
the picker fills instantly after a restart) for ``ttl`` seconds; failures are
remembered briefly so a dead local server is not re-dialled on every request.
A provider whose list cannot be fetched still offers its default model. What a
model offers (its wire API, hosted web search) comes from the kinds table
(``kinds.py``).

The request itself and the sentences for its failures are in
``model_listing.py``; they never include the provider's response body.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kitdesk.keys import ENV_PROVIDER_ID, KeyStore
from kitdesk.providers.model_listing import (
    DEFAULT_TIMEOUT,
    ModelsUnavailable,
    chat_models,
    describe_http_failure,
    fetch_model_ids,
    new_http_client,
)
from kitdesk.providers.model_options import (
    ConnectionResult,
    ModelList,
    ModelOption,
    ProviderProblem,
)
from kitdesk.providers.models_cache import (
    CACHE_FILE_NAME,
    ListEntry,
    lists_json,
    load_lists,
    write_atomically,
)
from kitdesk.providers.resolver import (
    OPENAI_BASE_URL,
    ProviderResolver,
    all_providers,
    environment_model,
    environment_provider,
    listed_models_known,
    make_ref,
    note_listed_models,
)
from kitdesk.settings import Provider, Settings

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "CACHE_FILE_NAME",
    "ConnectionResult",
    "ModelList",
    "ModelOption",
    "ModelsCatalog",
    "ModelsUnavailable",
    "ProviderProblem",
]

log = logging.getLogger(__name__)

DEFAULT_TTL = 600.0
DEFAULT_ERROR_TTL = 30.0


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class ModelsCatalog:
    """Fetches, caches and orders the models of every enabled provider."""

    def __init__(
        self,
        cache_dir: Path,
        keys: KeyStore,
        *,
        ttl: float = DEFAULT_TTL,
        error_ttl: float = DEFAULT_ERROR_TTL,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cache_path = cache_dir / CACHE_FILE_NAME
        self.keys = keys
        self.ttl = ttl
        self.error_ttl = error_ttl
        self.timeout = timeout
        self._clock = clock
        # Read at start-up (a few kB), never from the event loop.
        self._entries: dict[str, ListEntry] = self._load_disk()
        self._inflight: dict[str, asyncio.Task[ListEntry]] = {}
        self._dirty = False  # the disk copy lags the memory one
        self._http: tuple[asyncio.AbstractEventLoop, httpx2.AsyncClient] | None = None

    # -- public ---------------------------------------------------------------

    async def list_models(self, settings: Settings, *, refresh: bool = False) -> ModelList:
        """Options for every enabled provider that has the key it needs."""
        # Keyring reads go over D-Bus: keep them off the event loop.
        plan, default_ref = await asyncio.to_thread(self._plan, settings)
        resolver = ProviderResolver(settings, self.keys)
        results = await asyncio.gather(
            *(self._entry_for(provider, key, refresh=refresh) for provider, key in plan)
        )
        models: list[ModelOption] = []
        errors: list[ProviderProblem] = []
        for (provider, _key), entry in zip(plan, results, strict=True):
            if not provider.kind_info.lists_models:
                # A ChatKit server has no model list: it is one option, named after it.
                models.append(self._single_option(provider, resolver, default_ref))
                continue
            if entry.error is not None:
                errors.append(ProviderProblem(provider.id, entry.error))
            preferred = resolver.model_for(provider)
            models.extend(self._options(provider, entry.model_ids or (), preferred, default_ref))
        await self._save_disk()
        return ModelList(models=models, errors=errors)

    async def learn_environment_list(self, settings: Settings) -> None:
        """Fetch the environment server's list now if a turn with no model would go to
        it and nothing is known of that list yet (the very first launch, a message sent
        before the picker asked): the turn then goes where the picker will point, not to
        OpenAI's fallback name, which a server such as Ollama refuses. A listing the
        picker started is shared; a failed one leaves the fallback name."""
        env = environment_provider()
        if (
            env is None
            or env.base_url.rstrip("/") == OPENAI_BASE_URL  # the fallback name is OpenAI's
            or os.environ.get("OPENAI_DEFAULT_MODEL")
            or listed_models_known(env.base_url)
        ):
            return
        resolver = ProviderResolver(settings, self.keys)

        def goes_to_env_default() -> tuple[bool, str | None]:  # keyring reads: off the loop
            default = resolver.default_provider()
            if default is None or default.id != ENV_PROVIDER_ID:
                return False, None  # the turn goes to another provider
            # Not when a default model is chosen in Settings: the turn goes to that one.
            return resolver.model_for(default) == env.default_model, self.keys.get(env.id)

        wanted, key = await asyncio.to_thread(goes_to_env_default)
        if not wanted:
            return
        entry = await self._entry_for(env, key, refresh=False)
        if entry.model_ids is not None:
            note_listed_models(env.base_url, chat_models(env.kind, entry.model_ids))

    async def test_connection(
        self,
        provider: Provider,
        key: str | None,
        *,
        remember: bool = False,
        headers: dict[str, str] | None = None,
    ) -> ConnectionResult:
        """Try listing models with this configuration.

        ``remember`` keeps the list in the cache (for a saved provider); ``headers``
        are a ChatKit server's request headers typed into a form, not saved yet.
        """
        if provider.needs_key and not key:
            return ConnectionResult(
                ok=False, message=f"{provider.name} needs an API key. Add one, then test again."
            )
        if provider.kind_info.is_chatkit:
            from kitdesk.chat.remote import check_chatkit_server  # only for ChatKit providers

            ok, message = await check_chatkit_server(
                provider, self.keys, limit_seconds=self.timeout, headers=headers
            )
            return ConnectionResult(ok=ok, message=message)
        entry = await self._fetch(provider, key)
        if remember:
            self._remember(provider.id, entry)
            await self._save_disk()
        if entry.model_ids is None:
            return ConnectionResult(ok=False, message=entry.error or "The test failed.")
        count = len(entry.model_ids)
        return ConnectionResult(
            ok=True, message=f"Connected: {plural(count, 'model')}", model_count=count
        )

    async def aclose(self) -> None:
        """Close the shared HTTP connections (at app shutdown)."""
        if self._http is not None:
            _loop, client = self._http
            self._http = None
            await client.aclose()

    def _http_client(self) -> httpx2.AsyncClient:
        """One connection pool for all fetches, tied to the running event loop."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._http[0] is not loop or self._http[1].is_closed:
            self._http = (loop, new_http_client())
        return self._http[1]

    def invalidate(self, provider_id: str | None = None) -> None:
        """Forget cached lists (one provider's, or all) after its settings or key change."""
        cache = self._cache()
        if provider_id is None:
            cache.clear()
        else:
            cache.pop(provider_id, None)
        self._dirty = True

    # -- planning and ordering ------------------------------------------------

    def _plan(self, settings: Settings) -> tuple[list[tuple[Provider, str | None]], str | None]:
        resolver = ProviderResolver(settings, self.keys)
        default_ref = resolver.default_ref()
        default = resolver.default_provider()
        plan: list[tuple[Provider, str | None]] = []
        for provider in all_providers(settings):
            if not provider.enabled:
                continue
            key = self.keys.get(provider.id)
            if provider.needs_key and key is None:
                continue
            plan.append((provider, key))
        # The default provider's models come first; the rest keep the settings order.
        plan.sort(key=lambda item: default is None or item[0].id != default.id)
        return plan, default_ref

    @staticmethod
    def _options(
        provider: Provider,
        model_ids: Iterable[str],
        preferred: str | None,
        default_ref: str | None,
    ) -> list[ModelOption]:
        names = chat_models(provider.kind, model_ids)
        if provider.id == ENV_PROVIDER_ID:
            note_listed_models(provider.base_url, names)  # a turn sent with no model agrees
        if (
            preferred
            and names
            and preferred not in names
            and provider.id == ENV_PROVIDER_ID
            and not os.environ.get("OPENAI_DEFAULT_MODEL")
        ):
            # OPENAI_BASE_URL points at another server (Ollama, vLLM...): the OpenAI
            # fallback name means nothing there, so offer its first model instead.
            was_default = default_ref == make_ref(provider.id, preferred)
            preferred = environment_model(provider.base_url, names)
            if was_default:
                default_ref = make_ref(provider.id, preferred)
        if preferred:
            names.add(preferred)  # offered even when the list could not be fetched
        ordered = sorted(names, key=lambda name: (name != preferred, name.casefold(), name))
        info = provider.kind_info
        return [
            ModelOption(
                id=make_ref(provider.id, name),
                label=name,
                description=provider.name,
                default=make_ref(provider.id, name) == default_ref,
                api=info.wire_api,
                web_search=info.web_search,
                # Offered where PUT /api/settings accepts one (web/routes/settings.py):
                # Responses providers only, for now (the table's ``reasoning_effort``
                # also names Azure and OpenRouter).
                reasoning_effort=info.uses_responses_api,
            )
            for name in ordered
        ]

    # -- fetching ---------------------------------------------------------------

    @staticmethod
    def _single_option(
        provider: Provider, resolver: ProviderResolver, default_ref: str | None
    ) -> ModelOption:
        ref = make_ref(provider.id, resolver.model_for(provider) or "default")
        return ModelOption(
            id=ref,
            label=provider.name,
            description=provider.kind_info.label,
            default=ref == default_ref,
        )

    async def _entry_for(self, provider: Provider, key: str | None, *, refresh: bool) -> ListEntry:
        if not provider.kind_info.lists_models:
            return ListEntry(provider.base_url, self._clock(), ())
        cached = self._cache().get(provider.id)
        if not refresh and cached is not None and self._fresh(cached, provider):
            return cached
        task = self._inflight.get(provider.id)
        if task is None or task.done():
            # Concurrent requests for the same provider share one fetch.
            task = asyncio.ensure_future(self._fetch(provider, key))
            self._inflight[provider.id] = task
        try:
            entry = await asyncio.shield(task)
        finally:
            if task.done() and self._inflight.get(provider.id) is task:
                del self._inflight[provider.id]
        self._remember(provider.id, entry)
        return entry

    def _remember(self, provider_id: str, entry: ListEntry) -> None:
        self._cache()[provider_id] = entry
        if entry.model_ids is not None:
            self._dirty = True

    def _fresh(self, entry: ListEntry, provider: Provider) -> bool:
        if entry.base_url != provider.base_url:
            return False
        ttl = self.ttl if entry.model_ids is not None else self.error_ttl
        return 0 <= self._clock() - entry.fetched_at < ttl

    async def _fetch(self, provider: Provider, key: str | None) -> ListEntry:
        try:
            model_ids = await self.fetch_model_ids(provider, key)
        except ModelsUnavailable as exc:
            return ListEntry(provider.base_url, self._clock(), None, str(exc))
        return ListEntry(provider.base_url, self._clock(), tuple(model_ids))

    async def fetch_model_ids(self, provider: Provider, key: str | None) -> list[str]:
        """The ids the provider lists; raises ModelsUnavailable with a person's sentence."""
        request = fetch_model_ids(
            self._http_client(),
            base_url=provider.base_url,
            key=key,
            kind=provider.kind,
            api_version=provider.api_version,
            phase_timeout=self.timeout,
        )
        try:
            # The request's timeout covers each phase; this caps the whole call.
            ids = await asyncio.wait_for(request, self.timeout + 1)
        except Exception as exc:
            log.info("listing models of provider %s failed: %s", provider.id, type(exc).__name__)
            message = describe_http_failure(
                exc, base_url=provider.base_url, timeout=self.timeout, sent_key=bool(key)
            )
            raise ModelsUnavailable(message) from None
        if not all(isinstance(name, str) and name for name in ids):
            raise ModelsUnavailable(
                f"The server at {provider.base_url} did not answer like an OpenAI-compatible API."
            )
        return ids

    # -- the disk cache ---------------------------------------------------------

    def _cache(self) -> dict[str, ListEntry]:
        return self._entries

    def _load_disk(self) -> dict[str, ListEntry]:
        entries = load_lists(self.cache_path)
        env = entries.get(ENV_PROVIDER_ID)
        if env is not None and env.model_ids:
            # Known from the last run: a first message sent before the picker has its
            # list goes to the model the picker will show.
            kind = "openai" if env.base_url.rstrip("/") == OPENAI_BASE_URL else "custom"
            note_listed_models(env.base_url, chat_models(kind, env.model_ids))
        return entries

    async def _save_disk(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        data = lists_json(self._cache())
        try:
            await asyncio.to_thread(write_atomically, self.cache_path, data)
        except OSError:
            # A cache that cannot be written only costs a refetch next start.
            log.warning("could not write the models cache at %s", self.cache_path)
