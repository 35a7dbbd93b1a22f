"""Export files of other apps, built in the shapes those apps document and write.

ChatGPT (Settings > Data controls > Export data): a zip with
``conversations.json``, an array of ``{id, conversation_id, title,
create_time, update_time, mapping, current_node, ...}``; ``mapping`` maps a
node id to ``{id, message, parent, children}``; a message is ``{id, author:
{role, name, metadata}, create_time, content: {content_type, parts}, status,
end_turn, weight, metadata, recipient}``. Every conversation starts with a
root node whose message is null, and usually a hidden system message.

Open WebUI (Settings > Chats > Export chats): a JSON array of ``{id, user_id,
title, chat: {id, title, models, history: {messages, currentId}, messages,
timestamp}, created_at, updated_at, archived, pinned, meta, folder_id}``.

Builders return plain dicts; ``write_*`` put them on disk the way the apps do.
"""

from __future__ import annotations

import json
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNICODE_TITLES = ["Café 日本", "مرحبا بالعالم", "Party plans 🎉🥳"]
BASE_TIME = 1_700_000_000.0


@dataclass
class ChatGPTConversation:
    """Builds one ChatGPT conversation tree node by node."""

    title: str = "A conversation"
    conversation_id: str = "conv-1"
    mapping: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock: float = BASE_TIME
    root: str = ""

    def __post_init__(self) -> None:
        self.root = f"{self.conversation_id}-root"
        self.mapping[self.root] = {"id": self.root, "message": None, "parent": None, "children": []}

    def add(
        self,
        parent: str | None,
        role: str,
        parts: list[Any] | None = None,
        *,
        content_type: str = "text",
        content: dict[str, Any] | None = None,
        hidden: bool = False,
        recipient: str = "all",
        model: str | None = "gpt-4o",
        node_id: str | None = None,
    ) -> str:
        parent = parent or self.root
        node_id = node_id or f"{self.conversation_id}-n{len(self.mapping)}"
        self.clock += 1
        metadata: dict[str, Any] = {}
        if hidden:
            metadata["is_visually_hidden_from_conversation"] = True
        if role == "assistant" and model:
            metadata["model_slug"] = model
        message = {
            "id": node_id,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": self.clock,
            "update_time": None,
            "content": content or {"content_type": content_type, "parts": parts or []},
            "status": "finished_successfully",
            "end_turn": role == "assistant" or None,
            "weight": 1.0,
            "metadata": metadata,
            "recipient": recipient,
        }
        self.mapping[node_id] = {
            "id": node_id,
            "message": message,
            "parent": parent,
            "children": [],
        }
        self.mapping[parent]["children"].append(node_id)
        return node_id

    def build(self, current_node: str | None = None) -> dict[str, Any]:
        return {
            "title": self.title,
            "create_time": BASE_TIME,
            "update_time": self.clock,
            "mapping": self.mapping,
            "moderation_results": [],
            "current_node": current_node,
            "plugin_ids": None,
            "conversation_id": self.conversation_id,
            "conversation_template_id": None,
            "gizmo_id": None,
            "is_archived": False,
            "safe_urls": [],
            "default_model_slug": "gpt-4o",
            "id": self.conversation_id,
        }


@dataclass
class BranchedChatGPT:
    """A conversation with every case the importer handles, and the ids to check."""

    data: dict[str, Any]
    question: str
    edited_question: str
    first_answer: str
    answer_to_edit: str
    regenerated_answer: str
    image_message: str
    active_leaf: str


def chatgpt_branched(
    conversation_id: str = "conv-branched", title: str = "Café 日本"
) -> BranchedChatGPT:
    """System + hidden context, an edited question, a regenerated answer, an image, tool use."""
    c = ChatGPTConversation(title=title, conversation_id=conversation_id)
    system = c.add(None, "system", [""], hidden=True)
    context = c.add(
        system,
        "user",
        content={
            "content_type": "user_editable_context",
            "user_profile": "x",
            "user_instructions": "y",
        },
        hidden=True,
    )
    question = c.add(context, "user", ["What is the capital of France?"])
    first_answer = c.add(question, "assistant", ["Paris."])
    edited = c.add(context, "user", ["What is the capital of Japan?"])
    answer_to_edit = c.add(edited, "assistant", ["Tokyo."])
    regenerated = c.add(edited, "assistant", ["The capital of Japan is Tokyo."])
    image = c.add(
        regenerated,
        "user",
        content={
            "content_type": "multimodal_text",
            "parts": [
                {
                    "content_type": "image_asset_pointer",
                    "asset_pointer": "file-service://file-abc123",
                    "size_bytes": 12345,
                    "width": 640,
                    "height": 480,
                },
                "What is in this picture?",
            ],
        },
    )
    code = c.add(
        image,
        "assistant",
        content={"content_type": "code", "language": "python", "text": "print(1)"},
        recipient="python",
    )
    tool = c.add(
        code, "tool", content={"content_type": "execution_output", "text": "1"}, model=None
    )
    thoughts = c.add(
        tool,
        "assistant",
        content={"content_type": "thoughts", "thoughts": [], "source_analysis_msg_id": "x"},
    )
    final = c.add(thoughts, "assistant", ["A lighthouse at dusk."])
    return BranchedChatGPT(
        data=c.build(current_node=final),
        question=question,
        edited_question=edited,
        first_answer=first_answer,
        answer_to_edit=answer_to_edit,
        regenerated_answer=regenerated,
        image_message=image,
        active_leaf=final,
    )


def chatgpt_linear(
    conversation_id: str, messages: int, title: str = "Long", text_size: int = 0
) -> dict[str, Any]:
    """A conversation of ``messages`` alternating user/assistant messages, no branches.

    ``text_size`` adds that many characters of hex noise per message (compresses
    about 2:1, like prose), for sizing files.
    """
    c = ChatGPTConversation(title=title, conversation_id=conversation_id)
    parent: str | None = None
    noise = random.Random(conversation_id)
    for index in range(messages):
        role = "user" if index % 2 == 0 else "assistant"
        padding = noise.randbytes(text_size // 2).hex() if text_size else ""
        parent = c.add(parent, role, [f"message {index} {padding}".rstrip()])
    return c.build(current_node=parent)


def write_chatgpt_zip(path: Path, conversations: list[dict[str, Any]]) -> Path:
    """The zip ChatGPT emails: conversations.json beside chat.html and friends."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", json.dumps(conversations, ensure_ascii=False))
        archive.writestr("chat.html", "<html><body>exported</body></html>")
        archive.writestr("user.json", json.dumps({"id": "user-1", "email": "a@example.com"}))
        archive.writestr("message_feedback.json", "[]")
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def truncate(path: Path, fraction: float = 0.6) -> Path:
    """Cut a file short, as an interrupted download or copy would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def openwebui_chat(
    chat_id: str,
    title: str,
    messages: list[dict[str, Any]],
    current_id: str | None,
    *,
    wrapped: bool = True,
) -> dict[str, Any]:
    """One record of Open WebUI's export; ``messages`` are history nodes in order."""
    history = {m["id"]: m for m in messages}
    chat = {
        "id": chat_id,
        "title": title,
        "models": ["llama3"],
        "params": {},
        "history": {"messages": history, "currentId": current_id},
        "messages": [m for m in messages if m["id"] in _path(history, current_id)],
        "tags": [],
        "timestamp": int(BASE_TIME * 1000),
    }
    if not wrapped:
        return chat
    return {
        "id": chat_id,
        "user_id": "user-1",
        "title": title,
        "chat": chat,
        "updated_at": int(BASE_TIME) + 100,
        "created_at": int(BASE_TIME),
        "share_id": None,
        "archived": False,
        "pinned": False,
        "meta": {"tags": []},
        "folder_id": None,
    }


def _path(history: dict[str, dict[str, Any]], leaf: str | None) -> set[str]:
    ids: set[str] = set()
    while leaf:
        ids.add(leaf)
        leaf = history[leaf].get("parentId")
    return ids


def owui_message(
    message_id: str,
    parent: str | None,
    role: str,
    content: str,
    children: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    message = {
        "id": message_id,
        "parentId": parent,
        "childrenIds": children or [],
        "role": role,
        "content": content,
        "timestamp": int(BASE_TIME) + len(message_id),
    }
    if role == "assistant":
        message.update({"model": "llama3", "modelName": "Llama 3", "done": True})
    message.update(extra)
    return message


def openwebui_branched(chat_id: str = "owui-1", title: str = "مرحبا بالعالم") -> dict[str, Any]:
    """A system message, a regenerated answer with reasoning, an image; the 2nd answer active."""
    messages = [
        owui_message("s", None, "system", "You are terse.", ["u1"]),
        owui_message(
            "u1",
            "s",
            "user",
            "Describe this image",
            ["a1", "a2"],
            files=[{"type": "image", "url": "/api/v1/files/abc/content"}],
        ),
        owui_message("a1", "u1", "assistant", "A cat."),
        owui_message(
            "a2",
            "u1",
            "assistant",
            '<details type="reasoning" done="true" duration="2">\n<summary>Thought</summary>\n'
            "Looking at it.\n</details>\nA cat on a sofa.",
        ),
    ]
    return openwebui_chat(chat_id, title, messages, "a2")
