"""Property-based fuzzing of a real ``kitdesk serve``: every ChatKit request type
and every ``/api`` route, valid, mutated, mistyped, huge and odd-unicode.

Promise held: no input makes the server answer 5xx or write a traceback, and
every refusal is a JSON sentence ``{"error": {"code", "message"}}``; streamed
answers never end in the "unexpected problem" error. The number of cases run is
counted into the suite's figures. ``make test`` runs a fixed, derandomized
budget; ``make soak`` a larger random one.
"""

from __future__ import annotations

import asyncio
import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from chatkit.types import NonStreamingReq, StreamingReq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.proof.figures import SOAK, budget, record
from tests.proof.harness import (
    INTERNAL_PHRASE,
    ProofServer,
    assert_no_new_tracebacks,
    is_error_sentence,
)
from tests.proof.secret_service import secret_service_daemon
from tests.proof.strategies import dumps, hostile_text, json_value, loopback_only, mutated
from tests.upstream import Upstream

REQUEST_TYPES = sorted(
    model.model_fields["type"].default
    for union in (StreamingReq, NonStreamingReq)
    for model in typing.get_args(union)
)

# Slow examples and big inputs are the point here; module-scoped fixtures are on purpose.
SUPPRESSED_HEALTH_CHECKS = (
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
    HealthCheck.filter_too_much,
)


def fuzz_settings(test_run: int, soak_run: int) -> settings:
    return settings(
        max_examples=budget(test_run, soak_run),
        deadline=None,
        database=None,
        derandomize=not SOAK,
        suppress_health_check=SUPPRESSED_HEALTH_CHECKS,
    )


# Anything that is not loopback goes to a closed port on this machine instead.
NO_OUTSIDE_TRAFFIC = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}


class FuzzTarget:
    """The served process plus ids of real things the requests can name."""

    def __init__(self, server: ProofServer, upstream: Upstream) -> None:
        self.server = server
        self.upstream = upstream
        self.thread_id, _events = server.new_thread("Hello fuzz")
        items = server.items(self.thread_id)
        self.user_item = next(i["id"] for i in items if i["type"] == "user_message")
        self.answer_item = next(i["id"] for i in items if i["type"] == "assistant_message")
        created = server.chatkit(
            {
                "type": "attachments.create",
                "params": {"name": "notes.txt", "size": 5, "mime_type": "text/plain"},
            }
        )
        assert created.status_code == 200, created.text
        self.attachment_id = created.json()["id"]
        self.victims = [server.new_thread(f"victim {n}")[0] for n in range(3)]

    def baseline(self, kind: str) -> dict[str, Any]:
        """A valid request of each type, naming things that exist."""
        message = {
            "content": [{"type": "input_text", "text": "Hi"}],
            "attachments": [],
            "quoted_text": None,
            "inference_options": {"model": None, "tool_choice": None},
        }
        thread, user, answer = self.thread_id, self.user_item, self.answer_item
        params: dict[str, dict[str, Any]] = {
            "threads.create": {"input": message},
            "threads.add_user_message": {"thread_id": thread, "input": message},
            "threads.add_client_tool_output": {"thread_id": thread, "result": {"ok": True}},
            "threads.add_structured_input": {
                "thread_id": thread,
                "item_id": answer,
                "input": {"choice": "a"},
            },
            "threads.retry_after_item": {"thread_id": thread, "item_id": user},
            "threads.custom_action": {
                "thread_id": thread,
                "item_id": answer,
                "action": {"type": "noop", "payload": {}},
            },
            "threads.sync_custom_action": {
                "thread_id": thread,
                "item_id": answer,
                "action": {"type": "noop", "payload": {}},
            },
            "threads.get_by_id": {"thread_id": thread},
            "threads.list": {"limit": 20, "order": "desc", "after": None},
            "items.list": {"thread_id": thread, "limit": 20, "order": "asc", "after": None},
            "items.feedback": {"thread_id": thread, "item_ids": [answer], "kind": "positive"},
            "attachments.create": {"name": "a.txt", "size": 3, "mime_type": "text/plain"},
            "attachments.delete": {"attachment_id": self.attachment_id},
            "threads.update": {"thread_id": thread, "title": "Renamed"},
            "threads.delete": {"thread_id": self.victims[0] if self.victims else thread},
            "input.transcribe": {"audio_base64": "UklGRg==", "mime_type": "audio/webm"},
        }
        return {"type": kind, "params": params[kind]}


def check_reply(reply: httpx.Response, body_text: str, case: str) -> None:
    assert reply.status_code < 500, f"{case}\n-> {reply.status_code} {body_text[:500]}"
    if reply.status_code >= 400:
        assert is_error_sentence(reply), f"{case}\n-> {reply.status_code} {body_text[:500]}"
        return
    if reply.headers.get("content-type", "").startswith("text/event-stream"):
        for line in body_text.splitlines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event.get("type") == "error":
                    assert INTERNAL_PHRASE not in event.get("message", ""), f"{case}\n-> {event}"


def send(target: FuzzTarget, method: str, path: str, **kwargs: Any) -> None:
    server = target.server
    case = f"{method} {path} {repr(kwargs)[:600]}"
    with server.client.stream(method, path, **kwargs) as reply:
        text = reply.read().decode("utf-8", "replace")
    check_reply(reply, text, case)
    assert server.proc is not None and server.proc.poll() is None, f"server died on {case}"


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, _upstream_server: Upstream
) -> Iterator[FuzzTarget]:
    base = tmp_path_factory.mktemp("fuzz")
    with secret_service_daemon(base / "xdg") as keyring_daemon:
        env = {
            **keyring_daemon.env,
            **NO_OUTSIDE_TRAFFIC,
            "OPENAI_API_KEY": "sk-fuzz-environment-key-0001",
            "OPENAI_BASE_URL": _upstream_server.base_url,
        }
        with ProofServer(base / "home", env) as server:
            yield FuzzTarget(server, _upstream_server)


def test_every_request_type_has_a_baseline(target: FuzzTarget) -> None:
    for kind in REQUEST_TYPES:
        assert target.baseline(kind)["type"] == kind


# Known failures (strict: a fixed one fails until its mark goes).
KNOWN_FAILURES: dict[str, pytest.MarkDecorator] = {}


@pytest.mark.parametrize(
    "kind",
    [pytest.param(kind, marks=KNOWN_FAILURES.get(kind, ())) for kind in REQUEST_TYPES],
)
def test_chatkit_request_fuzz(target: FuzzTarget, kind: str) -> None:
    @fuzz_settings(25, 400)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        body = data.draw(mutated(target.baseline(kind)))
        body = loopback_only(body, target.upstream.base_url)
        record("fuzz cases: POST /chatkit")
        send(target, "POST", "/chatkit", content=dumps(body))

    target.server.new_tracebacks()
    run()
    assert_no_new_tracebacks(target.server)


def test_chatkit_raw_body_fuzz(target: FuzzTarget) -> None:
    """Bodies that are not a request at all: bytes, other JSON, odd types."""

    @fuzz_settings(60, 800)
    @given(
        body=st.one_of(
            st.binary(max_size=300),
            json_value.map(dumps),
            st.builds(
                lambda kind, params: dumps({"type": kind, "params": params}),
                st.one_of(st.sampled_from(REQUEST_TYPES), hostile_text, json_value),
                json_value,
            ),
            st.just(b"[" * 100_000),
            st.just(b'{"type": "threads.list", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
        )
    )
    def run(body: bytes) -> None:
        record("fuzz cases: POST /chatkit")
        send(target, "POST", "/chatkit", content=body)

    target.server.new_tracebacks()
    run()
    assert_no_new_tracebacks(target.server)


# -- /api ----------------------------------------------------------------------------

API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/settings"): {
        "system_prompt": "Be brief.",
        "temperature": 0.5,
        "theme": "dark",
        "default_provider": "environment",
        "default_model": "gpt-test",
        "auto_title": True,
    },
    ("POST", "/api/providers"): {
        "kind": "custom",
        "name": "Local",
        "base_url": "LOOPBACK",
        "default_model": "gpt-test",
        "api_version": None,
        "enabled": True,
    },
    ("PUT", "/api/providers/{provider_id}"): {
        "name": "Renamed",
        "base_url": "LOOPBACK",
        "enabled": True,
        "default_model": None,
        "api_version": None,
    },
    ("PUT", "/api/providers/{provider_id}/key"): {"key": "sk-fuzz-stored-key-000000001"},
    ("POST", "/api/providers/test"): {
        "kind": "custom",
        "base_url": "LOOPBACK",
        "api_version": None,
        "key": "sk-fuzz-tested-key-0000001",
        "provider_id": None,
    },
}


def url_part(text: str) -> str:
    """Percent-encoded as sent; a lone surrogate goes out as the invalid UTF-8 it makes."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


QUERY_NAMES = ["q", "limit", "refresh", "format", "token", "after"]


def api_routes(home: Path) -> list[tuple[str, str]]:
    """Every (method, path) under /api, read from the application's own router
    (FastAPI still builds the OpenAPI description in process; it is never served)."""
    from kitdesk.app import create_app
    from kitdesk.paths import resolve_paths

    app = create_app(resolve_paths(home).create())
    try:
        described = app.openapi()["paths"]
    finally:
        asyncio.run(app.state.close())
    return sorted(
        (method.upper(), path)
        for path, operations in described.items()
        if path.startswith("/api")
        for method in operations
    )


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    found = api_routes(tmp_path_factory.mktemp("routes"))
    assert len(found) >= 15, found
    return found


def test_api_route_fuzz(target: FuzzTarget, routes: list[tuple[str, str]]) -> None:
    loopback = target.upstream.base_url
    known_ids = {
        "provider_id": ["environment", "custom", "openai", "custom-2"],
        "thread_id": [target.thread_id],
        "attachment_id": [target.attachment_id],
    }

    @fuzz_settings(40, 600)
    @given(data=st.data())
    def run_route(data: st.DataObject, method: str, template: str) -> None:
        path = template
        for name in re.findall(r"{(\w+)}", template):
            value = data.draw(st.one_of(st.sampled_from(known_ids.get(name, ["x"])), hostile_text))
            path = path.replace("{" + name + "}", url_part(value[:3000]) or "%20")
        query = data.draw(
            st.dictionaries(
                st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=8)),
                hostile_text.map(lambda text: text[:2000]),
                max_size=3,
            )
        )
        if query:
            path += "?" + "&".join(f"{url_part(k)}={url_part(v)}" for k, v in query.items())
        kwargs: dict[str, Any] = {}
        if method in ("POST", "PUT"):
            baseline = API_BODIES.get((method, template))
            if baseline is not None:
                body = data.draw(st.one_of(mutated(baseline), json_value))
            else:
                body = data.draw(json_value)
            body = json.loads(
                json.dumps(body, allow_nan=True).replace('"LOOPBACK"', json.dumps(loopback))
            )
            if (
                isinstance(body, dict)
                and "kind" in body
                and not str(body.get("base_url", "")).startswith(loopback)
            ):
                body["base_url"] = loopback  # a preset's own address would leave this machine
            kwargs["content"] = dumps(loopback_only(body, loopback))
            kwargs["headers"] = {"content-type": "application/json"}
        record("fuzz cases: /api")
        send(target, method, path, **kwargs)

    target.server.new_tracebacks()
    for method, template in routes:
        run_route(method=method, template=template)
    assert_no_new_tracebacks(target.server)
