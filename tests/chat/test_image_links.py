"""Which image URLs of a remote ChatKit server's answers are pointed at Kitdesk's image
route, over decoded ChatKit JSON: only its own origin's, data: URLs and other sites' kept;
inline markdown images too, also when a streamed delta cuts one; and the mirror's copy
gets absolute URLs."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kitdesk.chat.image_links import TEXT_DELTA, AbsoluteImageLinks, ImageLinks, origin_of

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


def test_inline_markdown_images_are_routed_in_messages_and_markdown_widgets() -> None:
    links = ImageLinks(BASE, ROUTE)
    text = (
        "See ![own](http://127.0.0.1:8000/static/a.png) and ![rel](/static/b.png 'B') "
        "and ![far](https://elsewhere.example/c.png) and ![angle](<static/d.png>) "
        "and [a link](http://127.0.0.1:8000/page) and `![code](x)`?"
    )
    message = {"type": "output_text", "text": text, "annotations": []}
    widget = {"type": "Markdown", "value": "![w](/static/w.png)"}
    assert links.rewrite([message, widget]) is True
    found = re.findall(r"!\[([^\]]*)\]\(([^ )]+)", message["text"])
    urls = dict(found)
    assert routed_url(urls["own"]) == "http://127.0.0.1:8000/static/a.png"
    assert routed_url(urls["rel"]) == "http://127.0.0.1:8000/static/b.png"
    assert routed_url(urls["angle"]) == "http://127.0.0.1:8000/static/d.png"
    assert urls["far"] == "https://elsewhere.example/c.png"  # the page shows its alt text
    assert (
        "(/k/abc/chatkit/images/agent?url=http%3A%2F%2F127.0.0.1%3A8000%2Fstatic%2Fb.png 'B')"
        in (message["text"])
    )
    assert "[a link](http://127.0.0.1:8000/page)" in message["text"]  # links are not images
    [(alt, url)] = re.findall(r"!\[([^\]]*)\]\(([^ )]+)", widget["value"])
    assert alt == "w" and routed_url(url) == "http://127.0.0.1:8000/static/w.png"


def delta_event(delta: str, index: int = 0) -> dict[str, Any]:
    return {
        "type": "thread.item.updated",
        "item_id": "m1",
        "update": {"type": TEXT_DELTA, "content_index": index, "delta": delta},
    }


def test_an_image_cut_between_deltas_is_held_back_and_sent_whole_and_routed() -> None:
    links = ImageLinks(BASE, ROUTE)
    text = "Look! ![a pattern](/static/sample.png) and ![far](http://x.example/y.png) done!"
    sent: list[str] = []
    for start in range(0, len(text), 5):
        event = delta_event(text[start : start + 5])
        frame = b"data: " + json.dumps(event).encode() + b"\n\n"
        out = links.rewrite_frame(frame, frame[6:-2])
        sent.append(json.loads(out[6:])["update"]["delta"])
    joined = "".join(sent)
    # Everything but a last "!" (which could open an image) has gone out, each image whole.
    assert joined == links_text(links, text)[:-1]
    assert sent[1] == "! "  # "Look!" was held at its "!" until the next delta said " "
    done = {
        "type": "thread.item.updated",
        "item_id": "m1",
        "update": {
            "type": "assistant_message.content_part.done",
            "content_index": 0,
            "content": {"type": "output_text", "text": text, "annotations": []},
        },
    }
    assert links.rewrite(done) is True
    assert done["update"]["content"]["text"] == links_text(links, text)
    # The part is finished: nothing of it is held any more.
    assert links.rewrite(delta_event("next", 0)) is False


def links_text(links: ImageLinks, text: str) -> str:
    message = {"type": "output_text", "text": text}
    links.rewrite(message)
    return message["text"]


def test_an_unclosed_image_is_not_held_past_its_line() -> None:
    links = ImageLinks(BASE, ROUTE)
    first = delta_event("an ![unclosed bracket")
    assert links.rewrite(first) is True and first["update"]["delta"] == "an "
    second = delta_event(" goes on\nand on")
    links.rewrite(second)
    assert second["update"]["delta"] == "![unclosed bracket goes on\nand on"


def test_the_mirror_makes_relative_image_urls_absolute_and_keeps_the_others() -> None:
    absolute = AbsoluteImageLinks(BASE)
    answer = thread_answer()
    answer["items"]["data"][3]["content"][0]["text"] = (
        "![rel](/static/r.png) ![far](https://elsewhere.example/c.png) "
        "![d](data:image/png;base64,AA)"
    )
    answer["items"]["data"][1]["widget"]["children"][0]["src"] = "static/a.png"
    absolute.rewrite(answer)
    items = answer["items"]["data"]
    assert items[0]["attachments"][0]["preview_url"] == "http://127.0.0.1:8000/uploads/a1"
    assert items[1]["widget"]["children"][0]["src"] == "http://127.0.0.1:8000/static/a.png"
    assert items[1]["widget"]["children"][1]["src"] == "http://localhost:8000/static/a.png"
    assert items[2]["image"]["url"] == "http://127.0.0.1:8000/static/g.png"
    assert items[3]["content"][0]["text"] == (
        "![rel](http://127.0.0.1:8000/static/r.png) ![far](https://elsewhere.example/c.png) "
        "![d](data:image/png;base64,AA)"
    )


def test_images_inside_code_are_text_and_stay_as_written() -> None:
    links = ImageLinks(BASE, ROUTE)
    text = (
        "Write `![alt](/static/a.png)` for a picture:\n"
        "```markdown\n![alt](/static/b.png)\n```\n"
        "~~~\n![alt](/static/c.png)\n~~~\n"
        "Here it is: ![shown](/static/d.png)\n"
        "```\n![unclosed fence](/static/e.png)"
    )
    message = {"type": "output_text", "text": text}
    assert links.rewrite(message) is True
    written = message["text"]
    for kept in ("`![alt](/static/a.png)`", "![alt](/static/b.png)", "![alt](/static/c.png)"):
        assert kept in written, kept
    assert "![unclosed fence](/static/e.png)" in written  # a fence open to the end is code
    [(alt, url)] = [
        (alt, url) for alt, url in re.findall(r"!\[([^\]]*)\]\(([^ )]+)", written) if "?" in url
    ]
    assert alt == "shown" and routed_url(url) == "http://127.0.0.1:8000/static/d.png"
    # The mirror's absolute URLs leave code alone too.
    mirrored = {"type": "output_text", "text": text}
    AbsoluteImageLinks(BASE).rewrite(mirrored)
    assert mirrored["text"] == text.replace(
        "![shown](/static/d.png)", "![shown](http://127.0.0.1:8000/static/d.png)"
    )


def test_a_markdown_widgets_streamed_value_is_held_until_whole_and_flushed_at_its_end() -> None:
    links = ImageLinks(BASE, ROUTE)

    def widget_delta(delta: str, done: bool) -> str:
        event = {
            "type": "thread.item.updated",
            "item_id": "w1",
            "update": {
                "type": "widget.streaming_text.value_delta",
                "component_id": "live",
                "delta": delta,
                "done": done,
            },
        }
        links.rewrite(event)
        return event["update"]["delta"]

    assert widget_delta("A ![pattern](/sta", False) == "A "
    sent = widget_delta("tic/p.png) and ![half](/h", True)  # the last: nothing is held
    [(alt, url)] = re.findall(r"!\[([^\]]*)\]\(([^ )]+)\)", sent)
    assert alt == "pattern" and routed_url(url) == "http://127.0.0.1:8000/static/p.png"
    assert sent.endswith(" and ![half](/h")
    assert not links.may_apply(b'data: {"update":{"delta":"more"}}\n\n')
