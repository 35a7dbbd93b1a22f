"""The fake upstream speaks OpenAI's wire formats: checked with the real ``openai`` client."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from tests.upstream import TITLE_MARKER, Turn, Upstream


def client(upstream: Upstream, key: str = "test-key") -> AsyncOpenAI:
    return AsyncOpenAI(base_url=upstream.base_url, api_key=key, max_retries=0, timeout=5)


async def test_responses_stream_is_typed_and_complete(upstream: Upstream) -> None:
    upstream.script(Turn(chunks=["Hel", "lo ", "world"], reasoning_summary="Thinking hard"))
    stream = await client(upstream).responses.create(
        model="gpt-test", input="hi", instructions="Be brief", stream=True
    )
    types: list[str] = []
    deltas: list[str] = []
    summary: list[str] = []
    completed = None
    async for event in stream:
        types.append(event.type)
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
        elif event.type == "response.reasoning_summary_text.delta":
            summary.append(event.delta)
        elif event.type == "response.completed":
            completed = event.response
    assert deltas == ["Hel", "lo ", "world"]
    assert "".join(summary) == "Thinking hard"
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert completed is not None and completed.output_text == "Hello world"
    assert completed.usage is not None and completed.usage.total_tokens == 15
    recorded = upstream.requests[-1]
    assert recorded.path == "/v1/responses"
    assert recorded.json["instructions"] == "Be brief"
    assert recorded.headers["authorization"] == "Bearer test-key"


async def test_refusals(upstream: Upstream) -> None:
    upstream.script(Turn(text="I can't help with that.", refusal=True))
    stream = await client(upstream).responses.create(model="gpt-test", input="x", stream=True)
    refused = [e.delta async for e in stream if e.type == "response.refusal.delta"]
    assert "".join(refused) == "I can't help with that."
    upstream.script(Turn(text="No.", refusal=True))
    chunks = await client(upstream).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "x"}], stream=True
    )
    refusal = [c.choices[0].delta.refusal async for c in chunks if c.choices]
    assert "".join(r for r in refusal if r) == "No."


async def test_responses_sequence_numbers_increase(upstream: Upstream) -> None:
    stream = await client(upstream).responses.create(model="gpt-test", input="x", stream=True)
    numbers = [event.sequence_number async for event in stream]
    assert numbers == list(range(len(numbers)))


async def test_responses_non_streaming(upstream: Upstream) -> None:
    upstream.script(Turn(text="A plain answer"))
    response = await client(upstream).responses.create(model="gpt-test-mini", input="hi")
    assert response.output_text == "A plain answer"
    assert response.model == "gpt-test-mini"


async def test_chat_stream_with_usage_and_reasoning(upstream: Upstream) -> None:
    upstream.script(
        Turn(text="one two three", reasoning_summary="Because", reasoning_field="reasoning")
    )
    stream = await client(upstream).chat.completions.create(
        model="gpt-test",
        messages=[{"role": "system", "content": "sys"}, {"role": "user", "content": "hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    content: list[str] = []
    reasoning: list[str] = []
    finish = None
    usage = None
    async for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                content.append(choice.delta.content)
            extra = choice.delta.model_extra or {}
            if extra.get("reasoning"):
                reasoning.append(extra["reasoning"])
            finish = choice.finish_reason or finish
    assert content == ["one ", "two ", "three"]
    assert "".join(reasoning) == "Because"
    assert finish == "stop"
    assert usage is not None and usage.total_tokens == 15
    assert upstream.requests[-1].json["messages"][0] == {"role": "system", "content": "sys"}


async def test_chat_non_streaming(upstream: Upstream) -> None:
    completion = await client(upstream).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "ping"}]
    )
    assert completion.choices[0].message.content == "Echo: ping"


async def test_default_echo_streams_in_several_chunks(upstream: Upstream) -> None:
    stream = await client(upstream).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "say it back"}], stream=True
    )
    deltas = [
        c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content
    ]
    assert len(deltas) >= 3
    assert "".join(deltas) == "Echo: say it back"


async def test_title_requests_use_their_own_queue(upstream: Upstream) -> None:
    upstream.script(Turn(text="chat answer"))
    title = await client(upstream).chat.completions.create(
        model="gpt-test",
        messages=[
            {"role": "system", "content": f"Write a {TITLE_MARKER} for this conversation."},
            {"role": "user", "content": "User: planning a trip to Lisbon in May"},
        ],
    )
    assert title.choices[0].message.content == "Planning A Trip To"
    assert upstream.pending == 1  # the scripted chat turn is untouched
    assert len(upstream.title_requests) == 1 and upstream.chat_requests == []


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
async def test_http_errors(upstream: Upstream, status: int, error_type: type[Exception]) -> None:
    upstream.script(Turn(status=status, retry_after="7", error_message="nope"))
    with pytest.raises(error_type) as caught:
        await client(upstream).responses.create(model="gpt-test", input="x", stream=True)
    error = caught.value
    assert isinstance(error, openai.APIStatusError)
    assert error.status_code == status
    assert error.response.headers["retry-after"] == "7"
    assert "nope" in error.message


async def test_disconnect_mid_stream(upstream: Upstream) -> None:
    upstream.script(Turn(text="a b c d e f", disconnect_after=2))
    stream = await client(upstream).responses.create(model="gpt-test", input="x", stream=True)
    deltas: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        async for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
    assert deltas == ["a ", "b "]


async def test_chat_disconnect_mid_stream(upstream: Upstream) -> None:
    upstream.script(Turn(text="a b c d", disconnect_after=1))
    stream = await client(upstream).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIConnectionError):
        async for _ in stream:
            pass


async def test_malformed_sse(upstream: Upstream) -> None:
    upstream.script(Turn(text="a b c", malformed=True))
    stream = await client(upstream).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(json.JSONDecodeError):
        async for _ in stream:
            pass


async def test_delay_before_causes_client_timeout(upstream: Upstream) -> None:
    upstream.script(Turn(delay_before=1.0))
    slow = AsyncOpenAI(base_url=upstream.base_url, api_key="k", max_retries=0, timeout=0.2)
    with pytest.raises(openai.APITimeoutError):
        await slow.responses.create(model="gpt-test", input="x", stream=True)


async def test_require_key(upstream: Upstream) -> None:
    upstream.require_key = "right-key"
    with pytest.raises(openai.AuthenticationError):
        await client(upstream, key="wrong-key").models.list()
    models = await client(upstream, key="right-key").models.list()
    assert [m.id for m in models.data] == ["gpt-test", "gpt-test-mini"]


async def test_models_list_is_scriptable(upstream: Upstream) -> None:
    upstream.models = ["llama3.2:latest"]
    models = await client(upstream).models.list()
    assert [m.id for m in models.data] == ["llama3.2:latest"]


async def test_transcription(upstream: Upstream) -> None:
    result = await client(upstream).audio.transcriptions.create(
        model="whisper-1", file=("a.webm", b"\x1a\x45\xdf\xa3" * 10, "audio/webm")
    )
    assert result.text == "Hello from the microphone"
    assert upstream.requests[-1].json == {
        "model": "whisper-1",
        "file_size": 40,
        "file_name": "a.webm",
        "file_content_type": "audio/webm",
    }
    upstream.transcription_status = 404
    with pytest.raises(openai.NotFoundError):
        await client(upstream).audio.transcriptions.create(
            model="whisper-1", file=("a.webm", b"x", "audio/webm")
        )


def test_standalone_prints_base_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.upstream", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        models = httpx.get(f"{base_url}/models", timeout=5).json()
        assert [m["id"] for m in models["data"]] == ["gpt-test", "gpt-test-mini"]
    finally:
        process.terminate()
        process.wait(timeout=10)
