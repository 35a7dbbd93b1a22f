"""A ChatKit server's images through Kitdesk, over real processes: the scripted test
server (tests/chatkit_server, its own process, answering only requests that carry a
header whose value lives in Kitdesk's keyring) names images on its own origin and on
another; Kitdesk's relay points the first at its image route, which fetches them with
the provider's header, and refuses everything else with a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from chatkit.types import (
    AssistantMessageContentPartTextDelta,
    GeneratedImageItem,
    GeneratedImageUpdated,
    ThreadCreatedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    WidgetItem,
)
from kitdesk.chat import remote_images

from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.chatkit_server.app import sample_png
from tests.chatkit_server.scripts import (
    IMAGES_ALTS,
    MARKDOWN_IMAGES_ALTS,
    foreign_base_url,
    markdown_images_text,
)
from tests.live_server import LiveServer
from tests.web.test_chatkit_remote import HEADER, add_chatkit_provider, answer_text, start_chat


@pytest.fixture(scope="module")
def chatkit_server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process(require_header=HEADER) as server:
        yield server


@pytest.fixture
def agent(live_server: LiveServer, chatkit_server: ChatKitServerProcess) -> str:
    return add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])


def image_route(provider_id: str, url: str) -> str:
    return f"/chatkit/images/{provider_id}?url={quote(url, safe='')}"


def routed(link: str, provider_id: str) -> str:
    """The server URL a link on Kitdesk's image route carries (a path under the launch's
    secret prefix: no scheme, no host)."""
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("", ""), link
    assert parts.path.startswith("/k/"), link
    assert parts.path.endswith(f"/chatkit/images/{provider_id}"), link
    return parse_qs(parts.query)["url"][0]


def widget_srcs(widget: dict[str, Any]) -> dict[str, str]:
    """alt -> src of the Image components of an images card."""
    return {child["alt"]: child["src"] for child in widget["children"]}


def error_of(reply: Any) -> tuple[int, str, str]:
    body = reply.json()["error"]
    return reply.status_code, body["code"], body["message"]


def test_own_images_are_routed_through_kitdesk_and_painted_bytes_arrive(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess, agent: str
) -> None:
    own = f"{chatkit_server.base_url}/static/sample.png"
    events = start_chat(live_server, agent, "images")
    thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    [card] = [
        e.item
        for e in events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WidgetItem)
    ]
    srcs = widget_srcs(card.widget.model_dump(exclude_none=True))
    assert routed(srcs[IMAGES_ALTS["own"]], agent) == own
    assert routed(srcs[IMAGES_ALTS["svg"]], agent) == f"{chatkit_server.base_url}/static/sample.svg"
    # Another site's picture is not fetched by anyone: the page shows its alt text.
    assert srcs[IMAGES_ALTS["foreign"]] == foreign_base_url(chatkit_server.base_url) + (
        "/static/sample.png"
    )
    progress = [
        routed(e.update.image.url, agent)
        for e in events
        if isinstance(e, ThreadItemUpdatedEvent) and isinstance(e.update, GeneratedImageUpdated)
    ]
    assert progress == [own]
    [generated] = [
        e.item
        for e in events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, GeneratedImageItem)
    ]
    assert generated.image is not None and routed(generated.image.url, agent) == own

    # The route fetches it from the server (with the provider's header, or the server
    # would answer 401) and serves the very bytes as a PNG.
    assert srcs[IMAGES_ALTS["own"]].startswith(urlsplit(live_server.base_url).path)
    reply = live_server.client.get(live_server.running.origin + srcs[IMAGES_ALTS["own"]])
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "image/png"
    assert reply.content == sample_png()
    assert reply.headers["x-content-type-options"] == "nosniff"

    # Reads relayed later are rewritten the same way.
    page = live_server.chatkit("items.list", thread_id=thread_id, limit=20, order="asc").json()
    widget = next(item for item in page["data"] if item["type"] == "widget")
    assert routed(widget_srcs(widget["widget"])[IMAGES_ALTS["own"]], agent) == own

    # The mirror keeps the server's own URLs: with the server turned off, the local copy
    # answers with them (the page shows alt text, not a route that cannot answer).
    turned_off = live_server.client.put(f"/api/providers/{agent}", json={"enabled": False})
    assert turned_off.status_code == 200, turned_off.text
    mirrored = live_server.chatkit("items.list", thread_id=thread_id, limit=20, order="asc").json()
    widget = next(item for item in mirrored["data"] if item["type"] == "widget")
    assert widget_srcs(widget["widget"])[IMAGES_ALTS["own"]] == own
    generated_copy = next(i for i in mirrored["data"] if i["type"] == "generated_image")
    assert generated_copy["image"]["url"] == own
    # And the route says why it no longer loads the image.
    assert error_of(live_server.client.get(image_route(agent, own))) == (
        404,
        "image_provider_gone",
        "The ChatKit server this image belongs to is no longer set up or is turned off, "
        "so its image is not loaded.",
    )


def test_the_route_refuses_what_is_not_the_servers_own_picture_with_a_sentence(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess, agent: str
) -> None:
    base = chatkit_server.base_url
    server = "The ChatKit server “Agent”"
    origin = urlsplit(base).netloc
    expected = {
        foreign_base_url(base) + "/static/sample.png": (
            403,
            "image_foreign_origin",
            f"Kitdesk shows only images from the ChatKit server “Agent” itself "
            f"(http://{origin}); this one is on another site, so it was not loaded.",
        ),
        base.replace("http://", "https://") + "/static/sample.png": (
            403,
            "image_foreign_origin",
            f"Kitdesk shows only images from the ChatKit server “Agent” itself "
            f"(http://{origin}); this one is on another site, so it was not loaded.",
        ),
        f"{base}/static/sample.svg": (
            415,
            "image_type",
            f"{server} sent an SVG image where Kitdesk shows only PNG, JPEG, GIF or WebP "
            "images, so it was not shown.",
        ),
        f"{base}/static/fake.png": (
            415,
            "image_type",
            f"{server} sent something that is not a PNG, JPEG, GIF or WebP image, "
            "so it was not shown.",
        ),
        f"{base}/static/away.png": (
            403,
            "image_foreign_redirect",
            "An image from the ChatKit server “Agent” redirects to another site, "
            "so it was not loaded.",
        ),
        f"{base}/static/missing.png": (
            404,
            "image_unavailable",
            f"{server} did not send the image (HTTP 404).",
        ),
        "data:image/png;base64,iVBORw0KGgo=": (
            403,
            "image_foreign_origin",
            f"Kitdesk shows only images from the ChatKit server “Agent” itself "
            f"(http://{origin}); this one is on another site, so it was not loaded.",
        ),
    }
    for url, refusal in expected.items():
        assert error_of(live_server.client.get(image_route(agent, url))) == refusal, url

    # A redirect that stays on the server's origin is followed.
    moved = live_server.client.get(image_route(agent, f"{base}/static/moved.png"))
    assert moved.status_code == 200 and moved.content == sample_png()

    assert error_of(live_server.client.get(f"/chatkit/images/{agent}")) == (
        400,
        "invalid_request",
        "Say which image to load with ?url=<its address>.",
    )
    assert error_of(live_server.client.get(image_route("nobody", f"{base}/static/sample.png")))[
        :2
    ] == (404, "image_provider_gone")
    # The route is behind the same gate as everything else.
    anonymous = live_server.client.get(
        image_route(agent, f"{base}/static/sample.png"), headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401


def test_without_the_header_value_the_servers_refusal_is_said(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider = add_chatkit_provider(live_server, chatkit_server.url, header_value=None)
    url = f"{chatkit_server.base_url}/static/sample.png"
    assert error_of(live_server.client.get(image_route(provider, url))) == (
        502,
        "image_unavailable",
        "The ChatKit server “Agent” did not send the image (HTTP 401).",
    )


def test_too_large_and_too_slow_images_are_refused(
    live_server: LiveServer,
    chatkit_server: ChatKitServerProcess,
    agent: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = chatkit_server.base_url
    monkeypatch.setattr(remote_images, "MAX_IMAGE_BYTES", len(sample_png()) - 1)
    large = live_server.client.get(image_route(agent, f"{base}/static/sample.png"))
    assert error_of(large)[:2] == (413, "image_too_large")
    monkeypatch.setattr(remote_images, "IMAGE_TIMEOUT", 0.5)
    slow = live_server.client.get(image_route(agent, f"{base}/static/slow.png"))
    assert error_of(slow) == (
        504,
        "image_timeout",
        "An image from the ChatKit server “Agent” did not arrive within 0.5 seconds.",
    )


def inline_images(text: str) -> dict[str, str]:
    """alt -> URL of the inline markdown images of ``text``."""
    return dict(re.findall(r"!\[([^\]]*)\]\(([^ )]+)", text))


def test_inline_markdown_images_are_routed_live_and_mirrored_absolute(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess, agent: str
) -> None:
    own = f"{chatkit_server.base_url}/static/sample.png"
    events = start_chat(live_server, agent, "markdown images")
    thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    # The deltas cut every image; what the page assembles from them is already routed.
    streamed = "".join(
        e.update.delta
        for e in events
        if isinstance(e, ThreadItemUpdatedEvent)
        and isinstance(e.update, AssistantMessageContentPartTextDelta)
    )
    alts = MARKDOWN_IMAGES_ALTS
    for text in (streamed, answer_text(events)):
        urls = inline_images(text)
        assert routed(urls[alts["own"]], agent) == own
        assert routed(urls[alts["relative"]], agent) == own  # /static/sample.png on the server
        assert urls[alts["foreign"]] == foreign_base_url(chatkit_server.base_url) + (
            "/static/sample.png"
        )
    # The routed image is the server's picture.
    link = inline_images(answer_text(events))[alts["relative"]]
    reply = live_server.client.get(live_server.running.origin + link)
    assert reply.status_code == 200 and reply.content == sample_png()

    # The mirror holds the server's URLs, the relative one made absolute: read with the
    # server turned off, and exported, the answer still says where the picture is.
    turned_off = live_server.client.put(f"/api/providers/{agent}", json={"enabled": False})
    assert turned_off.status_code == 200, turned_off.text
    mirrored = live_server.chatkit("items.list", thread_id=thread_id, limit=20, order="asc").json()
    [message] = [item for item in mirrored["data"] if item["type"] == "assistant_message"]
    assert message["content"][0]["text"] == markdown_images_text(chatkit_server.base_url).replace(
        "](/static/sample.png", f"]({own}"
    )
    exported = live_server.client.get(f"/api/threads/{thread_id}/export")
    assert exported.status_code == 200, exported.text
    assert f'![{alts["relative"]}]({own} "a title")' in exported.text
    assert "](/static/" not in exported.text
