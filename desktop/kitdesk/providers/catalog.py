"""The models each provider offers, for the composer's model picker.

Lists come from each provider's ``GET {base_url}/models`` through the real
``openai`` client, fetched concurrently with a short timeout so one slow or
broken provider never holds up or breaks the others. Successful lists are
cached in memory and in ``<cache_dir>/models.json`` (so the picker fills
instantly after a restart) for ``ttl`` seconds; failures are remembered
briefly so a dead local server is not re-dialled on every request. A provider
whose list cannot be fetched still offers its default model.

Messages here are shown to people as they are. They never include the
provider's response body: OpenAI echoes part of a rejected key there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from kitdesk.keys import ENV_PROVIDER_ID, KeyStore
from kitdesk.providers.kinds import WireApi
from kitdesk.providers.resolver import ProviderResolver, all_providers, make_ref
from kitdesk.settings import Provider, Settings

log = logging.getLogger(__name__)

DEFAULT_TTL = 600.0
DEFAULT_ERROR_TTL = 30.0
DEFAULT_TIMEOUT = 5.0
CACHE_FORMAT = 1
CACHE_FILE_NAME = "models.json"
# Local servers want no key, but the client refuses an empty one and would
# otherwise read OPENAI_API_KEY from the environment and send it to them.
NO_KEY = "no-key"

# OpenAI's own list mixes in models that cannot chat (embeddings, speech,
# images, moderation); only OpenAI's list is filtered, since a custom server's
# names are the user's own choice.
_NOT_CHAT = re.compile(
    r"embed|tts|whisper|transcribe|dall-e|gpt-image|moderation|realtime|^babbage|^davinci",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ModelOption:
    """ChatKit's ``ModelOption``: the id is a model ref, ``<provider_id>::<model>``."""

    id: str
    label: str
    description: str
    default: bool = False
    # What the model's provider speaks and offers, so the composer and Settings
    # show only the choices that apply (the web search tool, reasoning effort).
    api: WireApi = "chat_completions"
    web_search: bool = False
    reasoning_effort: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "default": self.default,
            "api": self.api,
            "web_search": self.web_search,
            "reasoning_effort": self.reasoning_effort,
        }


@dataclass(frozen=True)
class ProviderProblem:
    provider_id: str
    message: str


@dataclass(frozen=True)
class ModelList:
    models: list[ModelOption]
    errors: list[ProviderProblem]


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    model_count: int | None = None


class ModelsUnavailable(Exception):
    """A provider's model list could not be fetched; the message is for a person."""


@dataclass(frozen=True)
class _Entry:
    base_url: str
    fetched_at: float
    model_ids: tuple[str, ...] | None  # None: the fetch failed
    error: str | None = None


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
        self._entries: dict[str, _Entry] = self._load_disk()
        self._inflight: dict[str, asyncio.Task[_Entry]] = {}
        self._dirty = False  # the disk copy lags the memory one
        self._http: tuple[asyncio.AbstractEventLoop, openai.DefaultAsyncHttpxClient] | None = None

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

    def _http_client(self) -> openai.DefaultAsyncHttpxClient:
        """One connection pool for all fetches, tied to the running event loop."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._http[0] is not loop or self._http[1].is_closed:
            # No redirects: a key header must not follow a 307 to another host.
            self._http = (loop, openai.DefaultAsyncHttpxClient(follow_redirects=False))
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
        names = set(model_ids)
        if provider.kind == "openai":
            names = {name for name in names if not _NOT_CHAT.search(name)}
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
            preferred = min(names, key=lambda name: (name.casefold(), name))
            if was_default:
                default_ref = make_ref(provider.id, preferred)
        if preferred:
            names.add(preferred)  # offered even when the list could not be fetched
        ordered = sorted(names, key=lambda name: (name != preferred, name.casefold(), name))
        wire_api: WireApi = "responses" if provider.uses_responses_api else "chat_completions"
        return [
            ModelOption(
                id=make_ref(provider.id, name),
                label=name,
                description=provider.name,
                default=make_ref(provider.id, name) == default_ref,
                api=wire_api,
                # Hosted web search and the effort choice are Responses API features.
                web_search=wire_api == "responses",
                reasoning_effort=wire_api == "responses",
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

    async def _entry_for(self, provider: Provider, key: str | None, *, refresh: bool) -> _Entry:
        if not provider.kind_info.lists_models:
            return _Entry(provider.base_url, self._clock(), ())
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

    def _remember(self, provider_id: str, entry: _Entry) -> None:
        self._cache()[provider_id] = entry
        if entry.model_ids is not None:
            self._dirty = True

    def _fresh(self, entry: _Entry, provider: Provider) -> bool:
        if entry.base_url != provider.base_url:
            return False
        ttl = self.ttl if entry.model_ids is not None else self.error_ttl
        return 0 <= self._clock() - entry.fetched_at < ttl

    async def _fetch(self, provider: Provider, key: str | None) -> _Entry:
        try:
            model_ids = await self.fetch_model_ids(provider, key)
        except ModelsUnavailable as exc:
            return _Entry(provider.base_url, self._clock(), None, str(exc))
        return _Entry(provider.base_url, self._clock(), tuple(model_ids))

    async def fetch_model_ids(self, provider: Provider, key: str | None) -> list[str]:
        """The ids the provider lists; raises ModelsUnavailable with a person's sentence."""
        client = openai_client(
            base_url=provider.base_url,
            key=key,
            kind=provider.kind,
            api_version=provider.api_version,
            timeout=self.timeout,
            http_client=self._http_client(),
        )
        try:
            # The client's timeout covers each phase; this caps the whole call.
            # (No ``async with``: that would close the shared pool.)
            page = await asyncio.wait_for(client.models.list(), self.timeout + 1)
            ids = [model.id for model in page.data]
        except Exception as exc:
            log.info("listing models of provider %s failed: %s", provider.id, type(exc).__name__)
            message = describe_failure(
                exc, base_url=provider.base_url, timeout=self.timeout, sent_key=bool(key)
            )
            raise ModelsUnavailable(message) from None
        if not all(isinstance(name, str) and name for name in ids):
            raise ModelsUnavailable(
                f"The server at {provider.base_url} did not answer like an OpenAI-compatible API."
            )
        return ids

    # -- the disk cache ---------------------------------------------------------

    def _cache(self) -> dict[str, _Entry]:
        return self._entries

    def _load_disk(self) -> dict[str, _Entry]:
        try:
            raw = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if raw.get("format") != CACHE_FORMAT:
                return {}
            return {
                provider_id: _Entry(
                    base_url=str(item["base_url"]),
                    fetched_at=float(item["fetched_at"]),
                    model_ids=tuple(str(name) for name in item["models"]),
                )
                for provider_id, item in raw["providers"].items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring an unreadable models cache at %s", self.cache_path)
            return {}

    async def _save_disk(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        successes = {
            provider_id: {
                "base_url": entry.base_url,
                "fetched_at": entry.fetched_at,
                "models": list(entry.model_ids),
            }
            for provider_id, entry in self._cache().items()
            if entry.model_ids is not None
        }
        data = json.dumps({"format": CACHE_FORMAT, "providers": successes}, indent=1)
        try:
            await asyncio.to_thread(_write_atomically, self.cache_path, data)
        except OSError:
            # A cache that cannot be written only costs a refetch next start.
            log.warning("could not write the models cache at %s", self.cache_path)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".models-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
