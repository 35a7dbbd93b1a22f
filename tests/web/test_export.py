"""Exporting a conversation as Markdown and JSON over HTTP."""

from __future__ import annotations

from tests.live_server import LiveServer
from tests.upstream import Turn, Upstream
from tests.web.test_chatkit import create_thread


def test_markdown_export_has_both_sides_in_order(live_chat: LiveServer, upstream: Upstream) -> None:
    upstream.script(Turn(text="Paris is the capital."))
    thread_id = create_thread(live_chat, "What is the capital of France?")
    live_chat.chatkit("threads.update", thread_id=thread_id, title="Capitals / geography")
    reply = live_chat.client.get(f"/api/threads/{thread_id}/export")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/markdown")
    assert reply.headers["content-disposition"] == (
        "attachment; filename=\"Capitals geography.md\"; filename*=UTF-8''Capitals%20geography.md"
    )
    text = reply.text
    assert text.startswith("# Capitals / geography\n")
    assert text.index("What is the capital of France?") < text.index("Paris is the capital.")


def test_json_export_is_complete(live_chat: LiveServer, upstream: Upstream) -> None:
    upstream.script(Turn(text="Answer one."))
    thread_id = create_thread(live_chat, "Question one")
    data = live_chat.client.get(
        f"/api/threads/{thread_id}/export", params={"format": "json"}
    ).json()
    assert (data["format"], data["version"]) == ("kitdesk-export", 1)
    [thread] = data["threads"]
    assert thread["thread"]["id"] == thread_id
    assert [entry["item"]["type"] for entry in thread["items"]] == [
        "user_message",
        "assistant_message",
    ]
    assert thread["items"][1]["parent_id"] == thread["items"][0]["item"]["id"]
    assert thread["active_item_id"] == thread["items"][1]["item"]["id"]


def test_any_title_downloads_with_its_own_name(live_chat: LiveServer, upstream: Upstream) -> None:
    upstream.script(Turn(text="Oui."))
    thread_id = create_thread(live_chat, "Bonjour")
    live_chat.chatkit("threads.update", thread_id=thread_id, title="Café 日本")
    for fmt, extension in (("markdown", "md"), ("json", "json"), ("html", "html")):
        reply = live_chat.client.get(f"/api/threads/{thread_id}/export", params={"format": fmt})
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-disposition"] == (
            f'attachment; filename="Cafe .{extension}"; '
            f"filename*=UTF-8''Caf%C3%A9%20%E6%97%A5%E6%9C%AC.{extension}"
        )
    assert "<title>Café 日本</title>" in reply.text


def test_export_of_missing_thread_is_404(live_server: LiveServer) -> None:
    reply = live_server.client.get("/api/threads/thr_nope/export")
    assert reply.status_code == 404
    assert "no longer exists" in reply.json()["error"]["message"]


def test_export_rejects_unknown_format(live_server: LiveServer) -> None:
    reply = live_server.client.get("/api/threads/thr_nope/export", params={"format": "pdf"})
    assert reply.status_code == 422
    assert "format" in reply.json()["error"]["message"]
