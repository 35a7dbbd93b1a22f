"""Responses-style input items -> Chat Completions messages.

``history.py`` turns a thread's items into the Responses API's input items
(the richer form); every Chat Completions provider gets them through
``chat_messages``: text and images as message parts, a PDF as a note (Chat
Completions has no portable way to send one), consecutive function calls as
one assistant message's ``tool_calls`` and each output as a ``tool`` message.
"""

from __future__ import annotations

from typing import Any

from kitdesk.chat.history import InputItem


def _chat_content(parts: list[InputItem]) -> str | list[dict[str, Any]]:
    if all(part.get("type") == "input_text" for part in parts):
        return "\n".join(str(part.get("text", "")) for part in parts)
    content: list[dict[str, Any]] = []
    for part in parts:
        kind = part.get("type")
        if kind == "input_text":
            content.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            content.append({"type": "image_url", "image_url": {"url": part.get("image_url")}})
        elif kind == "input_file":
            content.append({"type": "text", "text": f"[file {part.get('filename', '')}]"})
    return content


def chat_messages(items: list[InputItem], system_prompt: str | None) -> list[dict[str, Any]]:
    """Responses-style input items -> Chat Completions messages (system prompt first).

    Consecutive function calls join one assistant message's ``tool_calls`` (with
    the assistant text just before them, if any); each output is a ``tool`` message.
    """
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    for item in items:
        kind = item.get("type")
        if kind == "message":
            role = item.get("role")
            parts = list(item.get("content") or [])
            if role == "assistant":
                text = "".join(str(p.get("text", "")) for p in parts)
                messages.append({"role": "assistant", "content": text})
            else:
                messages.append({"role": role or "user", "content": _chat_content(parts)})
        elif kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item.get("arguments") or "{}"},
            }
            last = messages[-1] if messages else None
            if last is not None and last.get("role") == "assistant":
                last.setdefault("tool_calls", []).append(call)
                if not last.get("content"):
                    last["content"] = None
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append(
                {"role": "tool", "tool_call_id": item["call_id"], "content": item.get("output", "")}
            )
    return messages
