"""The Chat Completions wire format of the fake upstream: one Turn as ``data:`` chunks."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.chat_completion import Choice as CompletionChoice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.chat.chat_completion_message import ChatCompletionMessage
from openai.types.completion_usage import CompletionUsage

from tests.upstream_tools import ScriptedCall, chat_tool_call_deltas, fix_ids
from tests.upstream_turn import (
    BURST_FRAMES,
    DELTA_MARK,
    Turn,
    UpstreamDisconnect,
    dump,
    split_words,
)


class ChatStream:
    """The chunks OpenAI sends for one streamed Chat Completions answer."""

    def __init__(self, turn: Turn, model: str) -> None:
        self.turn = turn
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.calls: list[ScriptedCall] = fix_ids(turn.tool_calls)

    def _chunk(self, delta: ChoiceDelta, finish: str | None = None) -> dict[str, Any]:
        return dump(
            ChatCompletionChunk(
                id=self.id,
                choices=[ChunkChoice(delta=delta, index=0, finish_reason=finish)],  # type: ignore[arg-type]
                created=self.created,
                model=self.model,
                object="chat.completion.chunk",
            )
        )

    @staticmethod
    def _frame(data: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(data)}\n\n".encode()

    def completion(self) -> ChatCompletion:
        text = self.turn.text_joined if self.turn.has_message else None
        return ChatCompletion(
            id=self.id,
            choices=[
                CompletionChoice(
                    finish_reason="tool_calls" if self.calls else "stop",
                    index=0,
                    message=ChatCompletionMessage(
                        role="assistant",
                        content=None if self.turn.refusal else text,
                        refusal=text if self.turn.refusal else None,
                        tool_calls=[call.chat_message_call() for call in self.calls] or None,
                    ),
                )
            ],
            created=self.created,
            model=self.model,
            object="chat.completion",
            usage=CompletionUsage(completion_tokens=5, prompt_tokens=10, total_tokens=15),
        )

    async def _endless(self, frame_template: str) -> AsyncIterator[bytes]:
        """Deltas (or one line's bytes) without end, until the client goes away."""
        if self.turn.endless_line:
            yield b"data: {"
            filler = b"a" * 65536
            while True:
                yield filler
                await asyncio.sleep(0)
        deltas = self.turn.deltas()
        burst = b"".join(
            frame_template.replace(f'"{DELTA_MARK}"', json.dumps(delta), 1).encode()
            for delta in deltas
        )
        while True:
            yield burst
            await asyncio.sleep(0)

    async def chunks(self, include_usage: bool) -> AsyncIterator[bytes]:
        turn = self.turn
        usage_field: dict[str, Any] = {"usage": None} if include_usage else {}
        yield self._frame({**self._chunk(ChoiceDelta(role="assistant", content="")), **usage_field})
        if turn.reasoning_summary is not None:
            template = self._chunk(ChoiceDelta())
            for delta in split_words(turn.reasoning_summary):
                chunk = json.loads(json.dumps(template))
                chunk["choices"][0]["delta"] = {turn.reasoning_field: delta}
                yield self._frame({**chunk, **usage_field})
        template = {**self._chunk(ChoiceDelta(content="")), **usage_field}
        template["choices"][0]["delta"] = {"refusal" if turn.refusal else "content": DELTA_MARK}
        frame_template = f"data: {json.dumps(template)}\n\n"
        pending: list[bytes] = []
        for index, delta in enumerate(turn.deltas() if turn.has_message else []):
            if turn.disconnect_after is not None and index >= turn.disconnect_after:
                yield b"".join(pending)
                raise UpstreamDisconnect
            if turn.fail_after is not None and index >= turn.fail_after:
                yield b"".join(pending)
                error = {"message": turn.error_message, "code": 502}
                yield self._frame({"error": error})
                return
            if turn.malformed and index == 1:
                pending.append(b"data: {not json\n\n")
            if turn.delay_between and index:
                yield b"".join(pending)
                pending.clear()
                await asyncio.sleep(turn.delay_between)
            pending.append(frame_template.replace(f'"{DELTA_MARK}"', json.dumps(delta), 1).encode())
            if len(pending) >= BURST_FRAMES:
                yield b"".join(pending)
                pending.clear()
        if pending:
            yield b"".join(pending)
        if turn.endless or turn.endless_line:
            async for body in self._endless(frame_template):
                yield body
        for tool_calls in chat_tool_call_deltas(self.calls):
            chunk = {**self._chunk(ChoiceDelta()), **usage_field}
            chunk["choices"][0]["delta"] = {"tool_calls": tool_calls}
            yield self._frame(chunk)
        finish = "tool_calls" if self.calls else "stop"
        yield self._frame({**self._chunk(ChoiceDelta(), finish=finish), **usage_field})
        if include_usage:
            usage = CompletionUsage(completion_tokens=5, prompt_tokens=10, total_tokens=15)
            final = {**self._chunk(ChoiceDelta()), "choices": [], "usage": dump(usage)}
            yield self._frame(final)
        yield b"data: [DONE]\n\n"
