"""Which new chats the ChatKit proxy claims, and what deciding that costs.

A new chat without a model goes to the default provider. Finding the default
when none is chosen reads keys (is the first provider ready?), off the event
loop: with no ChatKit server configured there is nothing to find out, so no
key is read at all (a thread hop before every new chat otherwise)."""

from __future__ import annotations

import json

from chatkit.types import ThreadsCreateReq
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths
from kitdesk.settings import SettingsFile
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.web.routes.chatkit_proxy import ChatKitProxy


class CountingKeys(KeyStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, provider_id: str) -> str | None:
        self.reads.append(provider_id)
        return super().get(provider_id)


def new_chat() -> ThreadsCreateReq:
    return ThreadsCreateReq.model_validate(
        {
            "type": "threads.create",
            "params": {
                "input": {
                    "content": [{"type": "input_text", "text": "hi"}],
                    "attachments": [],
                    "inference_options": {},
                }
            },
        }
    )


def provider(provider_id: str, kind: str) -> dict[str, object]:
    return {
        "id": provider_id,
        "name": provider_id.title(),
        "kind": kind,
        "base_url": "http://127.0.0.1:9/v1",
        "default_model": "m",
    }


async def claimed(paths: Paths, providers: list[dict[str, object]]) -> tuple[object, list[str]]:
    paths.settings_path.write_text(json.dumps({"providers": providers}))
    keys = CountingKeys()
    store = SQLiteStore(paths.db_path, paths.attachments_dir)
    proxy = ChatKitProxy(SettingsFile(paths.settings_path), keys, store)
    try:
        found = await proxy._provider_for_new_thread(new_chat())  # pyright: ignore[reportPrivateUsage]
    finally:
        await proxy.aclose()
        await store.close()
    return found, keys.reads


async def test_without_a_chatkit_server_a_new_chat_reads_no_key(kitdesk_home: Paths) -> None:
    found, reads = await claimed(kitdesk_home, [provider("openai-1", "openai")])
    assert found is None
    assert reads == []


async def test_a_chatkit_server_that_is_the_first_ready_provider_gets_the_new_chat(
    kitdesk_home: Paths,
) -> None:
    found, _ = await claimed(kitdesk_home, [provider("agent", "chatkit")])
    assert getattr(found, "id", None) == "agent"
