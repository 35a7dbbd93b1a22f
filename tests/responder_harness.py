"""A running Kitdesk server wired to the fake upstream, and a small ChatKit client for it.

Used by the responder tests: they talk to Kitdesk over real HTTP with the
launch token, decode the SSE stream into chatkit's typed events, and look at
what the fake upstream received.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from chatkit.types import (
    AssistantMessageItem,
    ErrorEvent,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadStreamEvent,
    ThreadUpdatedEvent,
)
from kitdesk.chat.service import ChatService
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths
from kitdesk.settings import Provider, Settings, SettingsFile
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.web.server import RunningServer, start_server
from pydantic import TypeAdapter

from tests.upstream import Upstream

# Not "sk-"-shaped, so the log filter's pattern cannot hide a leak from the tests.
API_KEY = "kd-test-key-9f8e7d6c5b4a3f2e"
SYSTEM_PROMPT = "You are Kitdesk's test assistant."

EVENTS: TypeAdapter[ThreadStreamEvent] = TypeAdapter(ThreadStreamEvent)
ITEMS: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)

# kind -> (provider id, needs a key)
PROVIDER_KINDS: dict[str, bool] = {
    "openai": True,
    "azure": True,
    "openrouter": True,
    "ollama": False,
    "lmstudio": False,
    "custom": False,
}


def provider_for(kind: str, base_url: str, model: str = "gpt-test") -> Provider:
    return Provider(
        id=kind,
        name=f"Test {kind}",
        kind=kind,  # type: ignore[arg-type]
        base_url=base_url,
        default_model=model,
        api_version="preview" if kind == "azure" else None,
    )


@dataclass
class Answer:
    """One decoded streaming response."""

    events: list[ThreadStreamEvent]
    raw: bytes

    @property
    def thread_id(self) -> str:
        for event in self.events:
            if event.type == "thread.created":
                return event.thread.id
        for event in self.events:
            if isinstance(event, ThreadItemDoneEvent):
                return event.item.thread_id
        raise AssertionError("no thread id in the stream")

    @property
    def assistant(self) -> list[AssistantMessageItem]:
        return [
            e.item
            for e in self.events
            if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, AssistantMessageItem)
        ]

    @property
    def text(self) -> str:
        return "".join(part.text for item in self.assistant for part in item.content)

    @property
    def errors(self) -> list[ErrorEvent]:
        return [e for e in self.events if isinstance(e, ErrorEvent)]

    @property
    def titles(self) -> list[str | None]:
        return [e.thread.title for e in self.events if isinstance(e, ThreadUpdatedEvent)]


@dataclass
class Kitdesk:
    running: RunningServer
    upstream: Upstream
    paths: Paths
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=self.running.base_url,
            headers={"authorization": f"Bearer {self.running.token}"},
            timeout=30,
        )

    # --- wiring -------------------------------------------------------------

    @property
    def chat_server(self) -> ChatService:
        return self.running.app.state.chat_server

    @property
    def store(self) -> SQLiteStore:
        return self.running.app.state.services.store

    @property
    def settings_file(self) -> SettingsFile:
        return self.running.app.state.services.settings_file

    def update_settings(self, **changes: Any) -> Settings:
        settings = self.settings_file.settings.model_copy(update=changes)
        return self.settings_file.save(settings)

    # --- the ChatKit protocol --------------------------------------------------

    def request(self, op: str, **params: Any) -> httpx.Response:
        return self.client.post("/chatkit", json={"type": op, "params": params})

    def stream(self, op: str, **params: Any) -> Answer:
        with self.client.stream("POST", "/chatkit", json={"type": op, "params": params}) as resp:
            assert resp.status_code == 200, resp.read()
            assert resp.headers["content-type"].startswith("text/event-stream")
            raw = resp.read()
        return Answer(decode_sse(raw), raw)

    def send(
        self,
        text: str,
        thread_id: str | None = None,
        *,
        model: str | None = None,
        attachments: list[str] | None = None,
        quoted_text: str | None = None,
    ) -> Answer:
        message: dict[str, Any] = {
            "content": [{"type": "input_text", "text": text}],
            "attachments": attachments or [],
            "inference_options": {"model": model} if model else {},
        }
        if quoted_text:
            message["quoted_text"] = quoted_text
        if thread_id is None:
            return self.stream("threads.create", input=message)
        return self.stream("threads.add_user_message", thread_id=thread_id, input=message)

    def items(self, thread_id: str) -> list[ThreadItem]:
        items: list[ThreadItem] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"thread_id": thread_id, "limit": 50, "order": "asc"}
            if after:
                params["after"] = after
            response = self.request("items.list", **params)
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(ITEMS.validate_python(item) for item in page["data"])
            if not page["has_more"]:
                return items
            after = page["after"]

    def attach(self, name: str, mime_type: str, data: bytes) -> str:
        created = self.request("attachments.create", name=name, size=len(data), mime_type=mime_type)
        assert created.status_code == 200, created.text
        attachment_id = created.json()["id"]
        uploaded = self.client.post(
            f"/api/attachments/{attachment_id}/upload", files={"file": (name, data, mime_type)}
        )
        assert uploaded.status_code == 200, uploaded.text
        return attachment_id

    def close(self) -> None:
        self.client.close()
        self.running.stop()


def decode_sse(raw: bytes) -> list[ThreadStreamEvent]:
    events: list[ThreadStreamEvent] = []
    for frame in raw.split(b"\n\n"):
        if not frame.strip():
            continue
        assert frame.startswith(b"data: "), frame
        events.append(EVENTS.validate_json(frame[len(b"data: ") :]))
    return events


def start_kitdesk(
    paths: Paths,
    upstream: Upstream,
    *,
    kind: str = "openai",
    extra: list[Provider] | None = None,
    **settings: Any,
) -> Kitdesk:
    """Kitdesk with one provider of ``kind`` (the default) pointing at the upstream."""
    provider = provider_for(kind, upstream.base_url)
    if PROVIDER_KINDS.get(kind, False):
        KeyStore().set(provider.id, API_KEY)
        upstream.require_key = API_KEY
    SettingsFile(paths.settings_path).save(
        Settings(
            providers=[provider, *(extra or [])],
            default_provider=provider.id,
            system_prompt=SYSTEM_PROMPT,
            **settings,
        )
    )
    app = Kitdesk(start_server(paths), upstream, paths)
    return app


def kitdesk_fixture(paths: Paths, upstream: Upstream, **kwargs: Any) -> Iterator[Kitdesk]:
    app = start_kitdesk(paths, upstream, **kwargs)
    try:
        yield app
    finally:
        app.close()


def sent_messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) pairs the upstream received, for either wire API, system prompt first."""
    pairs: list[tuple[str, str]] = []
    if isinstance(body.get("instructions"), str):
        pairs.append(("system", body["instructions"]))
    for message in body.get("messages") or body.get("input") or []:
        content = message.get("content")
        if isinstance(content, list):
            text = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        else:
            text = str(content) if content is not None else json.dumps(message)
        pairs.append((message.get("role", message.get("type", "?")), text))
    return pairs
