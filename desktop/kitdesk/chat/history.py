"""A thread's stored items -> the input a model receives, for either wire API.

Items become Responses API input items first (the richer form), and
``chat_wire.chat_messages`` turns those into Chat Completions messages. Both
are plain dicts in wire form: no SDK converter runs per turn (the Agents SDK's cost
about a second of imports), and a thread can switch between a Responses
provider and a Chat Completions provider mid-conversation, tool calls
included, because both forms come from the same stored items.

Kitdesk's choices:

- attachments are read from the store: images become ``input_image`` parts
  with a ``data:`` URL (a local app has no public URL to give the provider),
  text files are inlined with their file name, PDFs become ``input_file`` for
  the Responses API and a plain note for Chat Completions (which has no
  portable way to send a PDF). Encoded parts are cached by attachment id and
  the file's identity (inode, size, modification time: a re-upload replaces
  the file), so a long thread does not re-read and re-encode its files on
  every turn, and a replaced file is never sent stale. The cache is bounded
  by a byte total as well as a count (one image can be 27 MB encoded);
- a stored tool call (a completed ``ClientToolCallItem``) becomes a function
  call and its output; a call still waiting for its output is left out, so
  every call the model sees has its result (providers refuse the request
  otherwise);
- reasoning and tool-activity workflows are display only and are left out;
- hidden context (such as the "user cancelled" note) is a user message the
  person never sees, worded as chatkit's own converter words it.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageItem,
    Attachment,
    ClientToolCallItem,
    GeneratedImageItem,
    HiddenContextItem,
    SDKHiddenContextItem,
    TaskItem,
    ThreadItem,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
    WidgetItem,
    WorkflowItem,
)

log = logging.getLogger(__name__)

WireApi = Literal["responses", "chat_completions"]
InputItem = dict[str, Any]
ReadBytes = Callable[[str], Awaitable[bytes]]
Fingerprint = Callable[[str], object]

# A text attachment larger than this is cut, with a note saying so: a whole
# log file would crowd the question out of most models' context.
MAX_INLINE_TEXT_CHARS = 200_000
# Encoded attachment parts kept in memory between turns (by attachment id and API).
PART_CACHE_SIZE = 64
PART_CACHE_BYTES = 96 * 1024 * 1024
# Ids of workflows that show tool activity start with this; they are display only.
TOOL_ACTIVITY_PREFIX = "wft_"

TEXT_MIME_TYPES = frozenset({"application/json", "application/xml", "application/x-yaml"})


def is_text_mime(mime_type: str) -> bool:
    base = mime_type.split(";", 1)[0].strip().lower()
    return base.startswith("text/") or base in TEXT_MIME_TYPES or base.endswith("+json")


def _text(text: str) -> InputItem:
    return {"type": "input_text", "text": text}


def _user(*parts: InputItem) -> InputItem:
    return {"type": "message", "role": "user", "content": list(parts)}


def _hidden(text: str) -> InputItem:
    return _user(
        _text(
            "Hidden context for the agent (not shown to the user):\n"
            f"<HiddenContext>\n{text}\n</HiddenContext>"
        )
    )


def tool_output_text(output: Any) -> str:
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


@dataclass
class ConvertedPrefix:
    """The converted form of a history's leading items (all but the last) for one API."""

    api: WireApi
    count: int = 0  # how many leading items ``inputs`` holds
    inputs: list[InputItem] = field(default_factory=list)


class HistoryConverter:
    """Converts stored thread items for one wire API ("responses" or "chat_completions")."""

    def __init__(self, read_bytes: ReadBytes, fingerprint: Fingerprint | None = None) -> None:
        self.read_bytes = read_bytes
        self.fingerprint = fingerprint
        # (attachment id, API) -> (file identity, encoded part, its size in characters)
        self._parts: OrderedDict[tuple[str, WireApi], tuple[object, InputItem, int]] = OrderedDict()
        self._cached_chars = 0

    async def to_input(
        self, items: Sequence[ThreadItem], api: WireApi, done: ConvertedPrefix | None = None
    ) -> list[InputItem]:
        """The items as input for ``api``. With ``done`` (kept by the caller while
        ``items`` only grows, as in a turn's tool steps), each item before the last is
        converted once: a step converts what the previous one added, not the thread."""
        if done is None or done.api != api:
            done = ConvertedPrefix(api)
        last = len(items) - 1
        for item in items[done.count : last]:
            done.inputs.extend(await self.convert(item, api, is_last=False))
        done.count = max(done.count, last)
        output = list(done.inputs)
        if items:  # the last item's form depends on being last (a quoted passage)
            output.extend(await self.convert(items[-1], api, is_last=True))
        return output

    async def convert(self, item: ThreadItem, api: WireApi, *, is_last: bool) -> list[InputItem]:
        """One item's input items (none for what the model never sees). The last item of
        what is sent is converted with ``is_last`` (a quoted passage goes with it)."""
        match item:
            case UserMessageItem():
                return await self._user_message(item, api, is_last=is_last)
            case AssistantMessageItem():
                text = "".join(part.text for part in item.content)
                if not text:
                    return []
                return [
                    {
                        "type": "message",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": text, "annotations": []}],
                    }
                ]
            case ClientToolCallItem():
                if item.status == "pending":
                    return []
                return [
                    {
                        "type": "function_call",
                        "call_id": item.call_id,
                        "name": item.name,
                        "arguments": json.dumps(item.arguments, ensure_ascii=False),
                    },
                    {
                        "type": "function_call_output",
                        "call_id": item.call_id,
                        "output": tool_output_text(item.output),
                    },
                ]
            case HiddenContextItem():
                content = item.content
                return [_hidden(content if isinstance(content, str) else json.dumps(content))]
            case SDKHiddenContextItem():
                return [_hidden(item.content)]
            case WidgetItem():
                widget = item.widget.model_dump_json(exclude_unset=True, exclude_none=True)
                return [
                    _user(
                        _text(
                            f"The following graphical UI widget (id: {item.id}) was displayed "
                            f"to the user:{widget}"
                        )
                    )
                ]
            case TaskItem():
                task = item.task
                if task.type != "custom" or not (task.title or task.content):
                    return []
                return [_user(_text(_task_text(task.title, task.content)))]
            case WorkflowItem():
                if item.id.startswith(TOOL_ACTIVITY_PREFIX):
                    return []  # the tool calls themselves are in the history
                return [
                    _user(_text(_task_text(task.title, task.content)))
                    for task in item.workflow.tasks
                    if task.type == "custom" and (task.title or task.content)
                ]
            case GeneratedImageItem():
                if item.image is None:
                    return []
                return [
                    _user(
                        _text("The following image was generated by the agent."),
                        {"type": "input_image", "detail": "auto", "image_url": item.image.url},
                    )
                ]
            case _:
                return []  # end-of-turn markers and structured input: UI only

    async def _user_message(
        self, item: UserMessageItem, api: WireApi, *, is_last: bool
    ) -> list[InputItem]:
        words: list[str] = []
        tags: list[UserMessageTagContent] = []
        for part in item.content:
            if isinstance(part, UserMessageTextContent):
                words.append(part.text)
            else:
                words.append(f"@{part.text}")
                tags.append(part)
        parts = [_text("".join(words))]
        for attachment in item.attachments:
            parts.append(await self._attachment(attachment, api))
        result = [_user(*parts)]
        if item.quoted_text and is_last:
            result.append(
                _user(_text(f"The user is referring to this in particular: \n{item.quoted_text}"))
            )
        if tags:
            seen: set[str] = set()
            described = []
            for tag in tags:
                if tag.text in seen:
                    continue
                seen.add(tag.text)
                details = f" ({json.dumps(tag.data, ensure_ascii=False)[:500]})" if tag.data else ""
                described.append(_text(f"@{tag.text}: {tag.group or 'a mention'}{details}"))
            result.append(
                _user(
                    _text(
                        "# User-provided context for @-mentions\n"
                        "- When referencing resolved entities, use their canonical names "
                        "**without** '@'.\n"
                        "- The '@' form appears only in user text and should not be echoed."
                    ),
                    *described,
                )
            )
        return result

    async def _attachment(self, attachment: Attachment, api: WireApi) -> InputItem:
        key = (attachment.id, api)
        identity = self.fingerprint(attachment.id) if self.fingerprint is not None else None
        cached = self._parts.get(key)
        if cached is not None and cached[0] == identity:
            self._parts.move_to_end(key)
            return cached[1]
        try:
            data = await self.read_bytes(attachment.id)
        except NotFoundError:
            # Not cached: the file may come back (an upload still finishing).
            return _text(f"[The attached file “{attachment.name}” is no longer available.]")
        part = _attachment_part(attachment, data, api)
        self.forget(attachment.id, api)
        size = _part_chars(part)
        self._parts[key] = (identity, part, size)
        self._cached_chars += size
        while self._parts and (
            len(self._parts) > PART_CACHE_SIZE or self._cached_chars > PART_CACHE_BYTES
        ):
            _, (_, _, dropped) = self._parts.popitem(last=False)
            self._cached_chars -= dropped
        return part

    def forget(self, attachment_id: str, *apis: WireApi) -> None:
        """Drop cached parts of an attachment (it was deleted or replaced)."""
        for api in apis or ("responses", "chat_completions"):
            removed = self._parts.pop((attachment_id, api), None)
            if removed is not None:
                self._cached_chars -= removed[2]


def _part_chars(part: InputItem) -> int:
    return sum(len(value) for value in part.values() if isinstance(value, str))


def _task_text(title: str | None, content: str | None) -> str:
    text = f"{title}: {content}" if title and content else title or content or ""
    return (
        "A message was displayed to the user that the following task was performed:\n"
        f"<Task>\n{text}\n</Task>"
    )


def _attachment_part(attachment: Attachment, data: bytes, api: WireApi) -> InputItem:
    mime = attachment.mime_type.split(";", 1)[0].strip().lower()
    if mime.startswith("image/"):
        encoded = base64.b64encode(data).decode("ascii")
        return {
            "type": "input_image",
            "detail": "auto",
            "image_url": f"data:{mime};base64,{encoded}",
        }
    if mime == "application/pdf":
        if api == "responses":
            encoded = base64.b64encode(data).decode("ascii")
            return {
                "type": "input_file",
                "filename": attachment.name,
                "file_data": f"data:application/pdf;base64,{encoded}",
            }
        return _text(
            f"[The user attached the PDF “{attachment.name}”, but this model is reached "
            "through the Chat Completions API, which cannot carry PDF files. Tell the user "
            "you cannot read it and suggest pasting its text or using an OpenAI model.]"
        )
    if is_text_mime(mime) or _is_utf8(data):
        text = data.decode("utf-8", errors="replace")
        note = ""
        if len(text) > MAX_INLINE_TEXT_CHARS:
            text = text[:MAX_INLINE_TEXT_CHARS]
            note = f"\n[The file was cut to its first {MAX_INLINE_TEXT_CHARS:,} characters.]"
        return _text(f"Attached file “{attachment.name}”:\n```\n{text}\n```{note}")
    return _text(
        f"[The user attached “{attachment.name}” ({mime}), a file type that cannot be "
        "sent to the model.]"
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data
