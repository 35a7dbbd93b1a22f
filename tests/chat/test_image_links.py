"""Which image URLs of a remote ChatKit server's answers are pointed at Kitdesk's image
route, over decoded ChatKit JSON: only its own origin's, data: URLs and other sites' kept."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kitdesk.chat.image_links import ImageLinks, origin_of

BASE = "http://127.0.0.1:8000/chatkit"
ROUTE = "/k/abc/chatkit/images/agent"


def routed_url(link: str) -> str:
    """The image URL a rewritten link carries (and that it is on the route)."""
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("", "", ROUTE), link
    return parse_qs(parts.query)["url"][0]


def test_own_origin_urls_are_routed_others_are_left_alone() -> None:
    links = ImageLinks(BASE, ROUTE)
    assert routed_url(links.link("http://127.0.0.1:8000/static/a.png?x=1&y=2")) == (
        "http://127.0.0.1:8000/static/a.png?x=1&y=2"
    )
    # Relative to the base URL, and the default port spelt out or not.
    assert routed_url(links.link("/static/b.png")) == "http://127.0.0.1:8000/static/b.png"
    assert routed_url(links.link("c.png")) == "http://127.0.0.1:8000/c.png"
    web = ImageLinks("https://agents.example.com/chatkit", ROUTE)
    assert routed_url(web.link("https://AGENTS.example.com:443/i.webp")) == (
        "https://AGENTS.example.com:443/i.webp"
    )
    kept = [
        "http://localhost:8000/static/a.png",  # another origin, same machine
        "http://127.0.0.1:8001/static/a.png",  # another port
        "https://127.0.0.1:8000/static/a.png",  # another scheme
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        "//evil.example/a.png",
    ]
    for url in kept:
        assert links.link(url) == url, url
    assert web.link("http://agents.example.com/i.webp") == "http://agents.example.com/i.webp"


def test_origins_are_compared_as_scheme_host_and_port() -> None:
    assert origin_of("http://127.0.0.1/x") == ("http", "127.0.0.1", 80)
    assert origin_of("HTTPS://Example.COM/x") == ("https", "example.com", 443)
    assert origin_of("http://[::1]:9000/x") == ("http", "::1", 9000)
    assert origin_of("ftp://example.com/x") is None
    assert origin_of("http://example.com:99999/x") is None
    assert origin_of("/relative") is None


def thread_answer() -> dict[str, Any]:
    """A threads.get_by_id answer with every kind of image a ChatKit server sends."""
    return {
        "id": "thr_1",
        "title": "Images",
        "items": {
            "data": [
                {
                    "type": "user_message",
                    "id": "m1",
                    "attachments": [
                        {"type": "image", "id": "a1", "preview_url": "/uploads/a1"},
                        {"type": "file", "id": "a2", "name": "notes.md"},
                    ],
                    "content": [{"type": "input_text", "text": "see /static/x.png"}],
                },
                {
                    "type": "widget",
                    "id": "w1",
                    "widget": {
                        "type": "Card",
                        "children": [
                            {"type": "Image", "src": "http://127.0.0.1:8000/static/a.png"},
                            {"type": "Image", "src": "http://localhost:8000/static/a.png"},
                            {"type": "Text", "value": "http://127.0.0.1:8000/static/a.png"},
                        ],
                    },
                },
                {
                    "type": "generated_image",
                    "id": "g1",
                    "image": {"id": "img", "url": "http://127.0.0.1:8000/static/g.png"},
                },
                {
                    "type": "assistant_message",
                    "id": "m2",
                    "content": [
                        {
                            "type": "output_text",
                            "text": "A link",
                            "annotations": [
                                {
                                    "source": {
                                        "type": "url",
                                        "url": "http://127.0.0.1:8000/page",
                                    }
                                }
                            ],
                        }
                    ],
                },
            ]
        },
    }


def test_a_thread_answer_gets_its_image_fields_rewritten_and_nothing_else() -> None:
    links = ImageLinks(BASE, ROUTE)
    answer = thread_answer()
    original = copy.deepcopy(answer)
    assert links.rewrite(answer) is True
    items = answer["items"]["data"]
    assert routed_url(items[0]["attachments"][0]["preview_url"]) == (
        "http://127.0.0.1:8000/uploads/a1"
    )
    children = items[1]["widget"]["children"]
    assert routed_url(children[0]["src"]) == "http://127.0.0.1:8000/static/a.png"
    assert children[1]["src"] == "http://localhost:8000/static/a.png"
    assert children[2]["value"] == "http://127.0.0.1:8000/static/a.png"  # text stays text
    assert routed_url(items[2]["image"]["url"]) == "http://127.0.0.1:8000/static/g.png"
    # Links (sources) and user text are not images.
    assert items[3] == original["items"]["data"][3]
    assert items[0]["content"] == original["items"]["data"][0]["content"]
    assert items[0]["attachments"][1] == original["items"]["data"][0]["attachments"][1]


def test_stream_updates_are_rewritten_and_frames_without_images_skip_the_parse() -> None:
    links = ImageLinks(BASE, ROUTE)
    update = {
        "type": "thread.item.updated",
        "item_id": "g1",
        "update": {
            "type": "generated_image.updated",
            "image": {"id": "img", "url": "http://127.0.0.1:8000/static/g.png"},
            "progress": 0.5,
        },
    }
    assert links.rewrite(update) is True
    assert routed_url(update["update"]["image"]["url"]) == "http://127.0.0.1:8000/static/g.png"
    component = {
        "type": "thread.item.updated",
        "item_id": "w1",
        "update": {
            "type": "widget.component.updated",
            "component_id": "pic",
            "component": {"type": "Image", "id": "pic", "src": "/static/a.png"},
        },
    }
    assert links.rewrite(component) is True
    assert routed_url(component["update"]["component"]["src"]).endswith("/static/a.png")
    delta = b'data: {"type":"thread.item.updated","update":{"delta":"an Image of"}}\n\n'
    assert not links.may_apply(delta)
    assert links.may_apply(b'data: {"type":"thread.item.done","item":{"type":"Image"}}\n\n')
    assert links.rewrite({"type": "thread.item.updated", "update": {"delta": "x"}}) is False
