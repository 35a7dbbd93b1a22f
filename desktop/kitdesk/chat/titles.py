"""Automatic thread titles.

After the first exchange the same provider is asked, without streaming and
with a small token budget, for a few words naming the conversation. The reply
is cleaned to one line of at most 60 characters. Any failure (no key, an
error, an empty or silly reply) falls back to the first words of the user's
first message, so a thread never stays "New chat" because of the provider.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, cast

from chatkit.types import ThreadMetadata, UserMessageItem, UserMessageTextContent

from kitdesk.providers.endpoint import ProviderEndpoint
from kitdesk.providers.resolver import ResolvedModel
from kitdesk.settings import Settings

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 60
FALLBACK_WORDS = 6
FALLBACK_CHARS = 50
DEFAULT_TITLE = "New chat"
# Asked for alongside the answer; the stream waits for it at most this long after.
TITLE_TIMEOUT_SECONDS = 10.0
# Sent to the model; the test upstream recognises title requests by "short title".
TITLE_INSTRUCTIONS = (
    "Write a short title for this conversation: at most six words, in the "
    "conversation's language, no quotes, no trailing punctuation. Reply with the title only."
)
_EXCERPT_CHARS = 2000
_PREFIX = re.compile(r"^(title|titre|titel|título)\s*:\s*", re.IGNORECASE)
_MARKDOWN = re.compile(r"\*+|`+|__|~~")
_REASONING_MODEL = re.compile(r"(^|/)(o\d|gpt-5)", re.IGNORECASE)


def is_reasoning_model(model: str) -> bool:
    """OpenAI reasoning families, which spend tokens thinking before they answer."""
    return bool(_REASONING_MODEL.search(model))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:-") + "…"


def sanitize_title(raw: str | None) -> str | None:
    """One clean line of at most 60 characters, or None when nothing usable is left."""
    if not raw:
        return None
    line = next((ln for ln in raw.splitlines() if ln.strip()), "")
    line = line.strip().lstrip("#*>- ").strip()
    line = _PREFIX.sub("", line)
    line = _MARKDOWN.sub("", line)  # "What Is **Kitdesk**" -> "What Is Kitdesk"
    line = line.strip("\"'“”‘’«»`*_ ")
    line = " ".join(line.split()).rstrip(".!。")
    if not line:
        return None
    return _cut(line, MAX_TITLE_CHARS)


def fallback_title(user_text: str) -> str:
    """The first few words of the user's first message."""
    user_text = _MARKDOWN.sub("", user_text)
    words = " ".join(user_text.split()).split(" ")[:FALLBACK_WORDS]
    text = " ".join(w for w in words if w)
    if not text:
        return DEFAULT_TITLE
    shortened = _cut(text, FALLBACK_CHARS)
    if len(user_text.split()) > FALLBACK_WORDS and not shortened.endswith("…"):
        shortened += "…"
    return shortened


def _conversation(user_text: str, answer_text: str) -> str:
    if not answer_text:
        return f"User: {user_text[:_EXCERPT_CHARS]}"
    return f"User: {user_text[:_EXCERPT_CHARS]}\nAssistant: {answer_text[:_EXCERPT_CHARS]}"


def _responses_text(reply: dict[str, Any]) -> str:
    """The text of a Responses API reply's messages (the SDK's ``output_text``)."""
    texts: list[str] = []
    for item in _dicts(reply.get("output")):
        if item.get("type") == "message":
            for part in _dicts(item.get("content")):
                if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
    return "".join(texts)


def _chat_text(reply: dict[str, Any]) -> str | None:
    """The first choice's message content of a Chat Completions reply."""
    choices = _dicts(reply.get("choices"))
    messages = _dicts([choices[0].get("message")]) if choices else []
    content = messages[0].get("content") if messages else None
    return content if isinstance(content, str) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in a provider's reply is skipped)."""
    if not isinstance(value, list):
        return []
    entries = cast(list[object], value)
    return [cast(dict[str, Any], entry) for entry in entries if isinstance(entry, dict)]


async def ask_for_title(
    endpoint: ProviderEndpoint, model: ResolvedModel, user_text: str, answer_text: str
) -> str | None:
    """The provider's title suggestion, cleaned; raises on provider errors.

    Not streamed, and never retried: the fallback is good enough."""
    conversation = _conversation(user_text, answer_text)
    if model.api == "responses":
        reasoning = is_reasoning_model(model.model)
        body: dict[str, Any] = {
            "model": model.model,
            "instructions": TITLE_INSTRUCTIONS,
            "input": conversation,
            "max_output_tokens": 600 if reasoning else 32,
            "store": False,
        }
        if reasoning:
            body["reasoning"] = {"effort": "low"}
        reply = await endpoint.post_json("/responses", body, phase_timeout=TITLE_TIMEOUT_SECONDS)
        return sanitize_title(_responses_text(reply))
    body = {
        "model": model.model,
        "messages": [
            {"role": "system", "content": TITLE_INSTRUCTIONS},
            {"role": "user", "content": conversation},
        ],
        "max_tokens": 32,
    }
    reply = await endpoint.post_json("/chat/completions", body, phase_timeout=TITLE_TIMEOUT_SECONDS)
    return sanitize_title(_chat_text(reply))


async def make_title(
    endpoint: ProviderEndpoint | None, model: ResolvedModel | None, user_text: str, answer_text: str
) -> str:
    """A title for a new thread: the provider's, else the fallback. Never raises."""
    if endpoint is not None and model is not None:
        try:
            title = await ask_for_title(endpoint, model, user_text, answer_text)
            if title:
                return title
        except Exception as exc:
            log.info(
                "title request to %s failed (%s); using the first words instead",
                model.provider_id,
                type(exc).__name__,
            )
    return fallback_title(user_text)


def user_text(item: UserMessageItem) -> str:
    return "".join(part.text for part in item.content if isinstance(part, UserMessageTextContent))


def start_title(
    endpoint: ProviderEndpoint,
    thread: ThreadMetadata,
    first_question: UserMessageItem | None,
    model: ResolvedModel,
    settings: Settings,
) -> asyncio.Task[str] | None:
    """Name the thread after its first exchange (when titles are on and it has none).

    ``first_question`` is the thread's only user message (``ReadHistory.first_question``),
    None when it has more, or when its oldest items were not read."""
    if not settings.auto_title or thread.title or first_question is None:
        return None
    return asyncio.create_task(make_title(endpoint, model, user_text(first_question), ""))


def name_after_first_words(
    thread: ThreadMetadata, message: UserMessageItem | None, settings: Settings
) -> None:
    if settings.auto_title and not thread.title and message is not None:
        thread.title = fallback_title(user_text(message))
