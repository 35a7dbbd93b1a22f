"""The scripted answers of the test ChatKit server, one per user message text.

``respond()`` looks up the user's text (lower-cased, trimmed) in ``SCRIPTS``;
anything else is echoed. Each script is an async generator of the SDK's own
``ThreadStreamEvent`` models. Two behaviours cannot be expressed as events
(a dropped connection, a frame that is not JSON): their scripts raise
``CutConnection`` / ``MalformedFrame``, which are ``BaseException``s so the
SDK's error handling lets them through to the HTTP layer (``app.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chatkit.store import Store, StoreItemType
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientEffectEvent,
    ClientToolCallItem,
    CustomTask,
    DurationSummary,
    EntitySource,
    ErrorEvent,
    FileSource,
    FileTask,
    GeneratedImage,
    GeneratedImageItem,
    GeneratedImageUpdated,
    ImageTask,
    NoticeEvent,
    ProgressUpdateEvent,
    SearchTask,
    ThoughtTask,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    URLSource,
    WidgetComponentUpdated,
    WidgetItem,
    WidgetRootUpdated,
    WidgetStreamingTextValueDelta,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)

from tests.chatkit_server.store import RequestContext
from tests.chatkit_server.widgets import WIDGET_ROOT, counter_widget, example_widgets

HELLO_CHUNKS = ["Hello", " from", " the", " ChatKit", " test", " server."]
CLIENT_TOOL_NAME = "get_selection"
CLIENT_TOOL_ARGUMENTS = {"scope": "document", "max_chars": 200}
Events = AsyncIterator[ThreadStreamEvent]


class CutConnection(BaseException):
    """Raised by a script to make the HTTP layer drop the connection mid-body."""


class MalformedFrame(BaseException):
    """Raised by a script to make the HTTP layer write a non-JSON SSE frame and end."""


@dataclass
class Turn:
    """What a script may use: the thread, the store (for ids) and the request context."""

    thread: ThreadMetadata
    store: Store[RequestContext]
    context: RequestContext

    def new_id(self, kind: StoreItemType = "message") -> str:
        return self.store.generate_item_id(kind, self.thread, self.context)

    def image_url(self, name: str = "sample.png") -> str:
        return f"{self.context.base_url}/static/{name}"

    def foreign_image_url(self) -> str:
        """The same picture on another origin (``localhost`` for ``127.0.0.1``)."""
        return foreign_base_url(self.context.base_url) + "/static/sample.png"


def foreign_base_url(base_url: str) -> str:
    """This server under another origin: the other loopback name for the same port."""
    if "//127.0.0.1:" in base_url:
        return base_url.replace("//127.0.0.1:", "//localhost:", 1)
    return base_url.replace("//localhost:", "//127.0.0.1:", 1)


async def stream_text(
    turn: Turn,
    chunks: list[str],
    delay: float = 0.0,
    annotations: list[Annotation] | None = None,
) -> AsyncGenerator[ThreadStreamEvent, None]:
    """An assistant message streamed as one delta per chunk, with its done events."""
    item = AssistantMessageItem(
        id=turn.new_id(), thread_id=turn.thread.id, created_at=datetime.now(), content=[]
    )
    yield ThreadItemAddedEvent(item=item)
    yield ThreadItemUpdatedEvent(
        item_id=item.id,
        update=AssistantMessageContentPartAdded(
            content_index=0, content=AssistantMessageContent(text="")
        ),
    )
    for index, chunk in enumerate(chunks):
        if delay and index:
            await asyncio.sleep(delay)
        yield ThreadItemUpdatedEvent(
            item_id=item.id,
            update=AssistantMessageContentPartTextDelta(content_index=0, delta=chunk),
        )
    for index, annotation in enumerate(annotations or []):
        yield ThreadItemUpdatedEvent(
            item_id=item.id,
            update=AssistantMessageContentPartAnnotationAdded(
                content_index=0, annotation_index=index, annotation=annotation
            ),
        )
    content = AssistantMessageContent(text="".join(chunks), annotations=annotations or [])
    yield ThreadItemUpdatedEvent(
        item_id=item.id, update=AssistantMessageContentPartDone(content_index=0, content=content)
    )
    yield ThreadItemDoneEvent(item=item.model_copy(update={"content": [content]}))


def words(text: str) -> list[str]:
    parts = text.split(" ")
    return [part + " " for part in parts[:-1]] + [parts[-1]]


async def hello(turn: Turn) -> Events:
    async for event in stream_text(turn, HELLO_CHUNKS):
        yield event


async def slow(turn: Turn) -> Events:
    async for event in stream_text(turn, words("Slowly, one word at a time, then done."), 0.2):
        yield event


async def widgets(turn: Turn) -> Events:
    for widget_type, root in example_widgets(turn.context.base_url):
        item = WidgetItem(
            id=turn.new_id(),
            thread_id=turn.thread.id,
            created_at=datetime.now(),
            widget=root,
            copy_text=widget_type,
        )
        yield ThreadItemDoneEvent(item=item)


async def counter(turn: Turn) -> Events:
    item = WidgetItem(
        id=turn.new_id(),
        thread_id=turn.thread.id,
        created_at=datetime.now(),
        widget=counter_widget(0),
        copy_text="Count: 0",
    )
    yield ThreadItemDoneEvent(item=item)


async def live_widget(turn: Turn) -> Events:
    """A widget updated while streaming: text deltas, a component swap, a new root."""
    first = WIDGET_ROOT.validate_python(
        {
            "type": "Card",
            "children": [
                {"type": "Text", "id": "live", "value": "", "streaming": True},
                {"type": "Badge", "id": "state", "label": "Working", "color": "warning"},
            ],
        }
    )
    item = WidgetItem(
        id=turn.new_id(), thread_id=turn.thread.id, created_at=datetime.now(), widget=first
    )
    yield ThreadItemAddedEvent(item=item)
    for index, chunk in enumerate(["Streaming ", "into ", "a widget."]):
        yield ThreadItemUpdatedEvent(
            item_id=item.id,
            update=WidgetStreamingTextValueDelta(component_id="live", delta=chunk, done=index == 2),
        )
    badge = {"type": "Badge", "id": "state", "label": "Done", "color": "success"}
    yield ThreadItemUpdatedEvent(
        item_id=item.id,
        update=WidgetComponentUpdated.model_validate({"component_id": "state", "component": badge}),
    )
    final = WIDGET_ROOT.validate_python(
        {"type": "Card", "children": [{"type": "Text", "value": "Streaming into a widget."}, badge]}
    )
    yield ThreadItemUpdatedEvent(item_id=item.id, update=WidgetRootUpdated(widget=final))
    yield ThreadItemDoneEvent(item=item.model_copy(update={"widget": final}))


async def workflow(turn: Turn) -> Events:
    """A workflow of every task type, added and completed over time, with progress events."""
    tasks = [
        CustomTask(title="Plan the answer", icon="compass", content="Three steps."),
        SearchTask(
            title="Searched the web",
            title_query="chatkit widgets",
            queries=["chatkit widgets", "chatkit workflow"],
            sources=[URLSource(title="ChatKit docs", url="https://example.com/chatkit")],
        ),
        ThoughtTask(title="Thought", content="The user wants every task type."),
        FileTask(title="Read files", sources=[FileSource(title="Notes", filename="notes.md")]),
        ImageTask(title="Looked at an image"),
    ]
    item = WorkflowItem(
        id=turn.new_id("workflow"),
        thread_id=turn.thread.id,
        created_at=datetime.now(),
        workflow=Workflow(type="custom", tasks=[], expanded=True),
    )
    yield ThreadItemAddedEvent(item=item)
    done = []
    for index, task in enumerate(tasks):
        yield ProgressUpdateEvent(icon="bolt", text=f"Step {index + 1} of {len(tasks)}")
        loading = task.model_copy(update={"status_indicator": "loading"})
        yield ThreadItemUpdatedEvent(
            item_id=item.id, update=WorkflowTaskAdded(task_index=index, task=loading)
        )
        await asyncio.sleep(0.05)
        complete = task.model_copy(update={"status_indicator": "complete"})
        done.append(complete)
        yield ThreadItemUpdatedEvent(
            item_id=item.id, update=WorkflowTaskUpdated(task_index=index, task=complete)
        )
    final = Workflow(type="custom", tasks=done, summary=DurationSummary(duration=3))
    yield ThreadItemDoneEvent(item=item.model_copy(update={"workflow": final}))
    async for event in stream_text(turn, words("The workflow is done.")):
        yield event


async def effect(turn: Turn) -> Events:
    yield ClientEffectEvent(name="highlight", data={"color": "accent", "ms": 300})
    async for event in stream_text(turn, ["Sent a client effect."]):
        yield event


async def notice(turn: Turn) -> Events:
    yield NoticeEvent(level="info", message="An **info** notice.", title="Info")
    yield NoticeEvent(level="warning", message="A warning notice.")
    yield NoticeEvent(level="danger", message="A danger notice.", title="Danger")


async def error(turn: Turn) -> Events:
    async for event in stream_text(turn, ["Before the error."]):
        yield event
    yield ErrorEvent(
        code="custom", message="The scripted server reports an error.", allow_retry=True
    )


async def client_tool(turn: Turn) -> Events:
    async for event in client_tool_named(CLIENT_TOOL_NAME, CLIENT_TOOL_ARGUMENTS)(turn):
        yield event


def client_tool_named(name: str, arguments: dict[str, Any]) -> Callable[[Turn], Events]:
    """A script calling the page's client tool ``name`` (``client tool <name>`` in a message)."""

    async def call(turn: Turn) -> Events:
        yield ThreadItemDoneEvent(
            item=ClientToolCallItem(
                id=turn.new_id("tool_call"),
                thread_id=turn.thread.id,
                created_at=datetime.now(),
                call_id=f"call_{turn.new_id('tool_call')}",
                name=name,
                arguments=arguments,
            )
        )

    return call


async def image(turn: Turn) -> Events:
    item = GeneratedImageItem(id=turn.new_id(), thread_id=turn.thread.id, created_at=datetime.now())
    yield ThreadItemAddedEvent(item=item)
    picture = GeneratedImage(id="img_sample", url=turn.image_url())
    yield ThreadItemUpdatedEvent(
        item_id=item.id, update=GeneratedImageUpdated(image=picture, progress=0.5)
    )
    yield ThreadItemDoneEvent(item=item.model_copy(update={"image": picture}))


IMAGES_ALTS = {
    "own": "A four-colour test pattern",
    "foreign": "The pattern on another site",
    "svg": "An SVG drawing",
}


async def images(turn: Turn) -> Events:
    """Images a page cannot load itself: an Image widget and a generated image on this
    server's origin, an Image widget on a foreign origin and one that is an SVG."""
    srcs = {
        "own": turn.image_url(),
        "foreign": turn.foreign_image_url(),
        "svg": turn.image_url("sample.svg"),
    }
    card = WIDGET_ROOT.validate_python(
        {
            "type": "Card",
            "children": [
                {"type": "Image", "src": srcs[key], "alt": alt, "size": 64}
                for key, alt in IMAGES_ALTS.items()
            ],
        }
    )
    yield ThreadItemDoneEvent(
        item=WidgetItem(
            id=turn.new_id(),
            thread_id=turn.thread.id,
            created_at=datetime.now(),
            widget=card,
            copy_text="images",
        )
    )
    async for event in image(turn):
        yield event


MARKDOWN_IMAGES_ALTS = {
    "own": "The pattern, absolute",
    "relative": "The pattern, relative",
    "foreign": "The pattern, elsewhere",
}


def markdown_images_text(base_url: str) -> str:
    """An answer naming this server's picture inline: absolute, relative, on another site."""
    alts = MARKDOWN_IMAGES_ALTS
    return (
        f"Absolute: ![{alts['own']}]({base_url}/static/sample.png) then "
        f'relative: ![{alts["relative"]}](/static/sample.png "a title") then '
        f"elsewhere: ![{alts['foreign']}]({foreign_base_url(base_url)}/static/sample.png)."
    )


async def markdown_images(turn: Turn) -> Events:
    """Inline markdown images streamed in 7-character deltas, so each is cut mid-way."""
    text = markdown_images_text(turn.context.base_url)
    chunks = [text[start : start + 7] for start in range(0, len(text), 7)]
    async for event in stream_text(turn, chunks):
        yield event


async def sources(turn: Turn) -> Events:
    annotations = [
        Annotation(source=URLSource(title="Example", url="https://example.com/a"), index=5),
        Annotation(source=FileSource(title="Notes", filename="notes.md"), index=10),
        Annotation(
            source=EntitySource(
                id="ent_ada", title="Ada Lovelace", label="Person", interactive=True
            )
        ),
    ]
    async for event in stream_text(turn, words("An answer with three sources."), 0, annotations):
        yield event


async def fail(turn: Turn) -> Events:
    raise RuntimeError("scripted failure before streaming")
    yield  # an async generator that raises on its first step


async def stall(turn: Turn) -> Events:
    async for event in _first_delta_of("Waiting forever", turn):
        yield event
    await asyncio.Event().wait()  # until the client goes away and the task is cancelled


async def _first_delta_of(text: str, turn: Turn) -> Events:
    """The opening of a streamed message (added, part added, one delta) and nothing more."""
    stream = stream_text(turn, [text, " and more."])
    async for event in stream:
        yield event
        if isinstance(event, ThreadItemUpdatedEvent) and isinstance(
            event.update, AssistantMessageContentPartTextDelta
        ):
            break
    await stream.aclose()


async def cut(turn: Turn) -> Events:
    async for event in _first_delta_of("About to be cut", turn):
        yield event
    raise CutConnection


async def malformed(turn: Turn) -> Events:
    async for event in _first_delta_of("Then garbage", turn):
        yield event
    raise MalformedFrame


SCRIPTS: dict[str, Callable[[Turn], Events]] = {
    "hello": hello,
    "slow": slow,
    "widgets": widgets,
    "counter": counter,
    "live widget": live_widget,
    "workflow": workflow,
    "effect": effect,
    "notice": notice,
    "error": error,
    "client tool": client_tool,
    "image": image,
    "images": images,
    "markdown images": markdown_images,
    "sources": sources,
    "fail": fail,
    "stall": stall,
    "cut": cut,
    "malformed": malformed,
}
