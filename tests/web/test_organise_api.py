"""``/api/organise`` over real HTTP, with the fake upstream: folders, pin, archive,
move and delete for a selection, and what a chat inherits from its folder."""

from __future__ import annotations

from typing import Any

from chatkit.types import ThreadCreatedEvent

from tests.live_server import LiveServer, decode_sse
from tests.upstream import Turn, Upstream, system_text
from tests.web.test_chatkit import create_thread, user_input


def history(live_chat: LiveServer) -> list[dict[str, Any]]:
    return live_chat.chatkit("threads.list", limit=50, order="desc").json()["data"]


def change(live_chat: LiveServer, action: str, *ids: str, **extra: Any) -> dict[str, Any]:
    reply = live_chat.client.post(
        "/api/organise/threads", json={"thread_ids": list(ids), "action": action, **extra}
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def new_folder(live_chat: LiveServer, **body: Any) -> dict[str, Any]:
    reply = live_chat.client.post("/api/organise/folders", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_pin_archive_restore_and_delete_a_selection(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text="one"), Turn(text="two"), Turn(text="three"))
    a, b, c = (create_thread(live_chat, text) for text in ("alpha", "bravo", "charlie"))
    assert [t["id"] for t in history(live_chat)] == [c, b, a]

    assert change(live_chat, "pin", a)["changed"] == 1
    listed = history(live_chat)
    assert [t["id"] for t in listed] == [a, c, b]
    assert listed[0]["metadata"]["pinned"] is True

    assert change(live_chat, "archive", a, b)["changed"] == 2
    assert [t["id"] for t in history(live_chat)] == [c]
    archived = live_chat.client.get("/api/organise/threads", params={"view": "archived"}).json()
    assert {t["id"] for t in archived["data"]} == {a, b} and archived["has_more"] is False
    found = live_chat.client.get("/api/search", params={"q": "bravo"}).json()
    assert b in str(found)

    change(live_chat, "restore", b)
    assert [t["id"] for t in history(live_chat)] == [c, b]

    assert change(live_chat, "delete", b, c)["changed"] == 2
    assert history(live_chat) == []
    assert live_chat.chatkit("threads.get_by_id", thread_id=b).status_code == 404


def test_a_chat_in_a_folder_uses_its_system_prompt_and_default_model(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text="Bonjour."), Turn(text="Salut."), Turn(text="Hello."))
    folder = new_folder(
        live_chat,
        name="Français",
        system_prompt="Answer in French.",
        default_model="environment::gpt-folder",
    )
    # Started in the folder, no model picked in the composer: the folder's default model.
    no_model = {"content": [{"type": "input_text", "text": "Hi"}], "attachments": []}
    no_model["inference_options"] = {}
    live_chat.stream("threads.create", input=no_model)
    first = upstream.chat_requests[-1].json
    assert "Answer in French." not in system_text(first)  # not in the folder: Settings' prompt
    assert first["model"] != "gpt-folder"

    with live_chat.client.stream(
        "POST",
        "/chatkit",
        json={
            "type": "threads.create",
            "params": {"input": no_model},
            "metadata": {"folder_id": folder["id"]},
        },
    ) as reply:
        assert reply.status_code == 200
        created = [e for e in decode_sse(reply.iter_bytes()) if isinstance(e, ThreadCreatedEvent)]
    in_folder = created[0].thread
    assert in_folder.metadata["folder_id"] == folder["id"]
    request = upstream.chat_requests[-1].json
    assert system_text(request) == "Answer in French."
    assert request["model"] == "gpt-folder"

    # A thread moved into the folder later: its next turn uses the folder's prompt.
    moved = create_thread(live_chat, "Later")
    change(live_chat, "move", moved, folder_id=folder["id"])
    upstream.script(Turn(text="D'accord."))
    live_chat.stream("threads.add_user_message", thread_id=moved, input=user_input("Again"))
    assert system_text(upstream.chat_requests[-1].json) == "Answer in French."
    assert upstream.chat_requests[-1].json["model"] == "gpt-test"  # its own model stays

    listed = live_chat.client.get(
        "/api/organise/threads", params={"view": "folder", "folder": folder["id"]}
    ).json()
    assert {t["id"] for t in listed["data"]} == {in_folder.id, moved}
    folders = live_chat.client.get("/api/organise/folders").json()["folders"]
    assert [(f["name"], f["threads"]) for f in folders] == [("Français", 2)]

    # Emptying the prompt: the turn goes back to Settings' system prompt.
    reply = live_chat.client.patch(
        f"/api/organise/folders/{folder['id']}", json={"system_prompt": None}
    )
    assert reply.status_code == 200 and reply.json()["system_prompt"] is None
    upstream.script(Turn(text="OK."))
    live_chat.stream("threads.add_user_message", thread_id=moved, input=user_input("Once more"))
    assert "Answer in French." not in system_text(upstream.chat_requests[-1].json)

    # Deleting the folder keeps its conversations.
    assert live_chat.client.delete(f"/api/organise/folders/{folder['id']}").status_code == 200
    assert {in_folder.id, moved} <= {t["id"] for t in history(live_chat)}


def test_bad_requests_get_a_sentence(live_chat: LiveServer, upstream: Upstream) -> None:
    upstream.script(Turn(text="one"))
    thread = create_thread(live_chat, "alpha")
    cases = [
        ("post", "/api/organise/folders", {"name": "  "}, 400, "needs a name"),
        ("patch", "/api/organise/folders/fld_gone", {"name": "x"}, 404, "no longer exists"),
        ("delete", "/api/organise/folders/fld_gone", None, 404, "no longer exists"),
        (
            "post",
            "/api/organise/threads",
            {"thread_ids": [thread, "thr_gone"], "action": "archive"},
            404,
            "no longer exists",
        ),
        (
            "post",
            "/api/organise/threads",
            {"thread_ids": [thread], "action": "move", "folder_id": "fld_gone"},
            404,
            "folder no longer exists",
        ),
        ("post", "/api/organise/threads", {"thread_ids": [], "action": "pin"}, 422, "thread_ids"),
        ("post", "/api/organise/threads", {"thread_ids": [thread], "action": "x"}, 422, "action"),
    ]
    for method, path, body, status, fragment in cases:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        reply = live_chat.client.request(method.upper(), path, **kwargs)
        assert reply.status_code == status, (path, reply.text)
        assert fragment in reply.json()["error"]["message"], reply.text
    reply = live_chat.client.get("/api/organise/threads", params={"view": "folder"})
    assert reply.status_code == 400 and "which folder" in reply.json()["error"]["message"]
    assert [t["id"] for t in history(live_chat)] == [thread]  # nothing half-done
