"""A first turn, title included, does not import the ``openai`` package.

Importing it and building its client cost the server about 20 MB on the first
turn, most of what a thousand turns may add (``providers/endpoint.py``). The
server runs in a fresh process exactly as ``kitdesk serve`` starts it, against
the fake upstream, on both wire APIs: OpenAI (Responses) and Ollama (Chat
Completions).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.upstream import Turn, Upstream

# Prints, as JSON: each turn's stream (events' types), the thread's title, and
# whether "openai" was imported. OpenAI needs a key: it goes to an in-memory
# keyring (the probe cannot use the tests' one, whose module imports openai).
TURN_PROBE = """
import http.client, json, sys
from pathlib import Path

import keyring, keyring.backend, keyring.errors
import kitdesk.keys
from kitdesk.paths import resolve_paths
from kitdesk.web.server import start_server

class Memory(keyring.backend.KeyringBackend):
    priority = 1
    secrets = {}
    def get_password(self, service, username):
        return self.secrets.get((service, username))
    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password
    def delete_password(self, service, username):
        if self.secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")

kitdesk.keys.TRUSTED_BACKENDS = kitdesk.keys.TRUSTED_BACKENDS | {"__main__.Memory"}
keyring.set_keyring(Memory())
server = start_server(resolve_paths(Path(sys.argv[1])).create())
upstream = sys.argv[2]
SDK_CARRIERS = ("Thread", "ThreadCreatedEvent", "ThreadUpdatedEvent", "ThreadItemAddedEvent",
                "ThreadItemUpdatedEvent", "ThreadItemDoneEvent", "ThreadItemReplacedEvent")

def ask(method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Authorization": "Bearer " + server.token, "Content-Type": "application/json"}
    connection.request(method, server.prefix + path, json.dumps(body), headers=headers)
    response = connection.getresponse()
    data = response.read()
    assert 200 <= response.status < 300, data
    return data

def provider(kind):
    fields = {"kind": kind, "name": kind, "base_url": upstream, "default_model": "gpt-test"}
    return json.loads(ask("POST", "/api/providers", fields))["id"]

openai_id = provider("openai")
ask("PUT", f"/api/providers/{openai_id}/key", {"key": "sk-probe"})
seen = {}
for provider_id in (openai_id, provider("ollama")):
    options = {"model": provider_id + "::gpt-test"}
    content = [{"type": "input_text", "text": "Tell me about tide pools"}]
    body = {"input": {"content": content, "attachments": [], "inference_options": options}}
    stream = ask("POST", "/chatkit", {"type": "threads.create", "params": body})
    events = [json.loads(line[6:]) for line in stream.decode().splitlines()
              if line.startswith("data: ")]
    thread_id = next(e["thread"]["id"] for e in events if e["type"] == "thread.created")
    thread = json.loads(ask("POST", "/chatkit", {"type": "threads.get_by_id",
                                                 "params": {"thread_id": thread_id}}))
    seen[provider_id] = {"events": [e["type"] for e in events], "title": thread["title"]}
seen["openai_imported"] = "openai" in sys.modules
import chatkit.types
seen["sdk_schemas_built"] = [name for name in SDK_CARRIERS
                             if getattr(chatkit.types, name).__pydantic_complete__]
print(json.dumps(seen))
server.stop()
"""


def test_a_first_turn_and_its_title_do_not_import_openai(
    tmp_path: Path, upstream: Upstream
) -> None:
    upstream.script(Turn(text="Tide pools are rocky."), Turn(text="Tide pools are rocky."))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DBUS_SESSION_BUS_ADDRESS", "OPENAI_API_KEY", "OPENAI_BASE_URL")
    }
    result = subprocess.run(
        [sys.executable, "-c", TURN_PROBE, str(tmp_path / "home"), upstream.base_url],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    # Both turns were answered and titled by the provider, one on each wire API.
    assert [r.path for r in upstream.chat_requests] == ["/v1/responses", "/v1/chat/completions"]
    assert [r.path for r in upstream.title_requests] == ["/v1/responses", "/v1/chat/completions"]
    turns = [value for key, value in seen.items() if isinstance(value, dict)]
    assert len(turns) == 2
    for turn in turns:
        assert "error" not in turn["events"], turn
        assert "thread.item.done" in turn["events"]
        assert turn["title"] == "Tell Me About Tide"
    assert seen["openai_imported"] is False
    # Nor does it build the SDK's own event and thread classes, each with a copy of
    # every item and widget schema (about 0.8 MB each): it sends kitdesk.chat.events'.
    assert seen["sdk_schemas_built"] == []
