"""Kitdesk's lean stream events write exactly what the SDK's event classes write.

``kitdesk/chat/events.py`` subclasses each ChatKit event that carries an item,
an update or a thread, typing that field as "a model, serialised as what it
is" so that pydantic does not build a copy of every item and widget schema per
event class. The stream the client reads must not change: each event below is
serialised through both classes, with the options the dispatcher uses, and the
bytes compared; the kinds cover every item, every update and a thread with a
page of items, including attachments whose metadata the serialiser drops.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomTask,
    DurationSummary,
    EndOfTurnItem,
    FileAttachment,
    GeneratedImage,
    GeneratedImageItem,
    GeneratedImageUpdated,
    ImageAttachment,
    InferenceOptions,
    Page,
    SearchTask,
    StructuredInputFreeform,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    TaskItem,
    ThoughtTask,
    Thread,
    ThreadCreatedEvent,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadUpdatedEvent,
    URLSource,
    UserMessageItem,
    UserMessageTextContent,
    WidgetComponentUpdated,
    WidgetItem,
    WidgetRootUpdated,
    WidgetStreamingTextValueDelta,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)
from chatkit.widgets import Text
from kitdesk.chat.events import (
    ItemAdded,
    ItemDone,
    ItemReplaced,
    ItemUpdated,
    ThreadCreated,
    ThreadUpdated,
    ThreadView,
)
from kitdesk.chat.protocol import serialize, thread_response
from pydantic import AnyUrl, BaseModel

from tests.chatkit_server.widgets import example_widgets

NOW = datetime(2026, 12, 5, 1, 2, 3, 456789)
THREAD = "thr_1"


def _base(n: int) -> dict[str, Any]:
    return {"id": f"item_{n}", "thread_id": THREAD, "created_at": NOW + timedelta(seconds=n)}


# Every SDK widget type, each in a root (tests/chatkit_server/widgets.py).
WIDGETS = [root for _, root in example_widgets("http://127.0.0.1:9")]


ITEMS: list[ThreadItem] = [
    UserMessageItem(
        **_base(1),
        content=[UserMessageTextContent(text="Hello, façade 🌊")],
        attachments=[
            FileAttachment(
                id="file_1", mime_type="text/plain", name="a.txt", metadata={"path": "/x"}
            ),
            ImageAttachment(
                id="img_1",
                mime_type="image/png",
                name="b.png",
                preview_url=AnyUrl("http://h/b.png"),
            ),
        ],
        quoted_text="quoted",
        inference_options=InferenceOptions(model="openai::gpt-test"),
    ),
    AssistantMessageItem(
        **_base(2),
        content=[
            AssistantMessageContent(
                text="See [1].",
                annotations=[Annotation(source=URLSource(url="https://e.org", title="E"), index=4)],
            )
        ],
    ),
    ClientToolCallItem(**_base(3), call_id="c1", name="get_time", arguments={"tz": "UTC"}),
    *(
        WidgetItem(**_base(100 + n), widget=root, copy_text="copy")
        for n, root in enumerate(WIDGETS)
    ),
    GeneratedImageItem(**_base(6), image=GeneratedImage(id="g", url="http://h/g.png")),
    GeneratedImageItem(**_base(7)),
    StructuredInputItem(
        **_base(8),
        inputs=[
            StructuredInputMultipleChoice(
                id="q1",
                question="Which?",
                options=[StructuredInputMultipleChoiceOption(value="a")],
            ),
            StructuredInputFreeform(id="q2", question="Why?", description="say"),
        ],
    ),
    TaskItem(**_base(9), task=CustomTask(title="Searching", content="the web")),
    WorkflowItem(
        **_base(10),
        workflow=Workflow(
            type="reasoning",
            tasks=[ThoughtTask(content="hmm"), SearchTask(title="Search", queries=["q"])],
            summary=DurationSummary(duration=3),
            expanded=False,
        ),
    ),
    EndOfTurnItem(**_base(11)),
]

UPDATES: list[BaseModel] = [
    AssistantMessageContentPartAdded(
        content_index=0, content=AssistantMessageContent(text="", annotations=[])
    ),
    AssistantMessageContentPartTextDelta(content_index=0, delta='Hello \u2028 "world"'),
    AssistantMessageContentPartAnnotationAdded(
        content_index=0,
        annotation_index=0,
        annotation=Annotation(source=URLSource(url="https://e.org", title="E")),
    ),
    AssistantMessageContentPartDone(
        content_index=0, content=AssistantMessageContent(text="Hello", annotations=[])
    ),
    WidgetStreamingTextValueDelta(component_id="t1", delta="x", done=False),
    *(WidgetRootUpdated(widget=root) for root in WIDGETS),
    WidgetComponentUpdated(component_id="t1", component=Text(value="new")),
    WorkflowTaskAdded(task_index=0, task=ThoughtTask(content="a")),
    WorkflowTaskUpdated(task_index=0, task=SearchTask(title="b", queries=["c"])),
    GeneratedImageUpdated(image=GeneratedImage(id="g", url="http://h/g.png"), progress=0.5),
]


def _thread(items: list[ThreadItem], cls: type[Thread]) -> Thread:
    thread = cls(
        id=THREAD,
        title="Tide pools",
        created_at=NOW,
        items=Page(data=items, has_more=True, after="item_3"),
    )
    thread.metadata = {"folder": "f1"}
    return thread


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: getattr(item, "id", "?"))
@pytest.mark.parametrize(
    ("lean", "sdk"),
    [
        (ItemAdded, ThreadItemAddedEvent),
        (ItemDone, ThreadItemDoneEvent),
        (ItemReplaced, ThreadItemReplacedEvent),
    ],
    ids=["added", "done", "replaced"],
)
def test_item_events_write_what_the_sdk_writes(
    lean: type[BaseModel], sdk: type[BaseModel], item: BaseModel
) -> None:
    event = lean(item=item)
    assert isinstance(event, sdk)
    assert serialize(event) == serialize(sdk(item=item))


@pytest.mark.parametrize("update", UPDATES, ids=lambda update: update.type)  # type: ignore[attr-defined]
def test_update_events_write_what_the_sdk_writes(update: BaseModel) -> None:
    event = ItemUpdated(item_id="item_2", update=update)  # type: ignore[arg-type]
    assert isinstance(event, ThreadItemUpdatedEvent)
    sdk = ThreadItemUpdatedEvent(item_id="item_2", update=update)  # type: ignore[arg-type]
    assert serialize(event) == serialize(sdk)


@pytest.mark.parametrize("items", [[], ITEMS], ids=["empty", "every-item"])
@pytest.mark.parametrize(
    ("lean", "sdk"),
    [(ThreadCreated, ThreadCreatedEvent), (ThreadUpdated, ThreadUpdatedEvent)],
    ids=["created", "updated"],
)
def test_thread_events_write_what_the_sdk_writes(
    lean: type[BaseModel], sdk: type[BaseModel], items: list[ThreadItem]
) -> None:
    view = _thread(items, ThreadView)
    assert isinstance(view, Thread)
    event = lean(thread=view)
    assert isinstance(event, sdk)
    assert serialize(event) == serialize(sdk(thread=_thread(items, Thread)))
    # Written out, the page holds each item as itself, metadata dropped from the file.
    written = serialize(event).decode()
    assert '"widget":{"type":"Card"' in written or not items
    assert '"path"' not in written


def test_a_thread_response_is_the_sdks_thread_without_hidden_items() -> None:
    full = _thread(ITEMS, Thread)
    response = thread_response(full, None, {"folder": "f1"})
    assert isinstance(response, ThreadView)
    assert serialize(response) == serialize(full)
