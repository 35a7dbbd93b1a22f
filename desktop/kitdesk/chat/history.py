"""A thread's stored items -> the input a model receives.

Built on chatkit's ``ThreadItemConverter`` (which already handles user text,
quoted text, hidden context such as the "user cancelled" note, client tool
calls and their outputs) with Kitdesk's choices on top:

- attachments are read from the store: images become ``input_image`` parts
  with a ``data:`` URL (a local app has no public URL to give the provider),
  text files are inlined with their file name, PDFs become ``input_file`` for
  the Responses API and a plain note for Chat Completions (which has no
  portable way to send a PDF);
- earlier assistant turns are plain ``{"role": "assistant", "content": str}``
  messages on the Chat Completions path: the SDK's default form
  (``output_text`` parts) makes the Agents SDK's Chat Completions converter
  fail on the second turn.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.store import NotFoundError
from chatkit.types import AssistantMessageItem, Attachment, UserMessageTagContent
from openai.types.responses import ResponseInputContentParam

from kitdesk.providers.resolver import WireApi

log = logging.getLogger(__name__)

ReadBytes = Callable[[str], Awaitable[bytes]]

# A text attachment larger than this is cut, with a note saying so: a whole
# log file would crowd the question out of most models' context.
MAX_INLINE_TEXT_CHARS = 200_000

TEXT_MIME_TYPES = frozenset({"application/json", "application/xml", "application/x-yaml"})


def is_text_mime(mime_type: str) -> bool:
    base = mime_type.split(";", 1)[0].strip().lower()
    return base.startswith("text/") or base in TEXT_MIME_TYPES or base.endswith("+json")


def _text_part(text: str) -> ResponseInputContentParam:
    return {"type": "input_text", "text": text}


class ModelInputConverter(ThreadItemConverter):
    """Converts stored thread items for one wire API ("responses" or "chat_completions")."""

    def __init__(self, api: WireApi, read_bytes: ReadBytes) -> None:
        self.api = api
        self.read_bytes = read_bytes

    async def attachment_to_message_content(
        self, attachment: Attachment
    ) -> ResponseInputContentParam:
        try:
            data = await self.read_bytes(attachment.id)
        except NotFoundError:
            return _text_part(f"[The attached file “{attachment.name}” is no longer available.]")
        mime = attachment.mime_type.split(";", 1)[0].strip().lower()
        if mime.startswith("image/"):
            encoded = base64.b64encode(data).decode("ascii")
            return {
                "type": "input_image",
                "detail": "auto",
                "image_url": f"data:{mime};base64,{encoded}",
            }
        if is_text_mime(mime):
            text = data.decode("utf-8", errors="replace")
            note = ""
            if len(text) > MAX_INLINE_TEXT_CHARS:
                text = text[:MAX_INLINE_TEXT_CHARS]
                note = f"\n[The file was cut to its first {MAX_INLINE_TEXT_CHARS:,} characters.]"
            return _text_part(f"Attached file “{attachment.name}”:\n```\n{text}\n```{note}")
        if mime == "application/pdf":
            if self.api == "responses":
                encoded = base64.b64encode(data).decode("ascii")
                return {
                    "type": "input_file",
                    "filename": attachment.name,
                    "file_data": f"data:application/pdf;base64,{encoded}",
                }
            return _text_part(
                f"[The user attached the PDF “{attachment.name}”, but this model is reached "
                "through the Chat Completions API, which cannot carry PDF files. Tell the user "
                "you cannot read it and suggest pasting its text or using an OpenAI model.]"
            )
        return _text_part(
            f"[The user attached “{attachment.name}” ({mime}), a file type that cannot be "
            "sent to the model.]"
        )

    async def tag_to_message_content(self, tag: UserMessageTagContent) -> ResponseInputContentParam:
        # Kitdesk defines no entities yet; a tag still tells the model what was meant.
        details = f" ({json.dumps(tag.data, ensure_ascii=False)[:500]})" if tag.data else ""
        return _text_part(f"@{tag.text}: {tag.group or 'a mention'}{details}")

    async def assistant_message_to_input(
        self, item: AssistantMessageItem
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        text = "".join(part.text for part in item.content)
        if not text:
            return None
        if self.api == "chat_completions":
            return cast(TResponseInputItem, {"role": "assistant", "content": text})
        return await super().assistant_message_to_input(item)


def chat_messages(
    items: list[TResponseInputItem], system_prompt: str | None
) -> list[dict[str, Any]]:
    """Responses-style input items -> Chat Completions messages (system prompt first)."""
    from agents.models.chatcmpl_converter import Converter

    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    messages.extend(cast(list[dict[str, Any]], Converter.items_to_messages(items)))
    return messages
