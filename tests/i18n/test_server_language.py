"""Server-built thread text in the request's language: the real app, the real stdio MCP
test server (asking for approval), the fake upstream scripting the tool calls.

The approval card, its decision, the tool activity, the step-limit sentence and
the note on a cut-off answer follow ``Accept-Language``; without it the language
setting applies, and "system" (which only the browser resolves) means English.
A stored card keeps the words it was written in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

import pytest
from chatkit.types import AssistantMessageItem, ThreadItemDoneEvent, WidgetItem, WorkflowItem
from kitdesk.chat.tool_ui import APPROVAL_ACTION
from kitdesk.paths import Paths
from kitdesk.tools.mcp_config import McpServer

from tests.mcp_servers import stdio_launch
from tests.responder_harness import Answer, Kitdesk, start_kitdesk
from tests.upstream import ToolCall, Turn, Upstream

T = TypeVar("T")


@dataclass(frozen=True)
class Words:
    title: str  # the card's question
    caption: str
    buttons: tuple[str, str, str]
    allowed_once: str  # the decided card
    used_one: str  # the activity's summary
    result: str  # the start of the activity's result line


ENGLISH = Words(
    "Allow echo (Test tools)?",
    "The model wants to use a tool of the server “Test tools”.",
    ("Allow once", "Always allow this tool", "Deny"),
    "Allowed once.",
    "Used 1 tool",
    "**Result** (done, ",
)
GERMAN = Words(
    "echo (Test tools) erlauben?",
    "Das Modell möchte ein Tool des Servers „Test tools“ verwenden.",
    ("Einmal erlauben", "Dieses Tool immer erlauben", "Ablehnen"),
    "Einmal erlaubt.",
    "1 Tool verwendet",
    "**Ergebnis** (fertig, ",
)
ARABIC = Words(
    "هل تسمح باستخدام echo (Test tools)؟",
    "يريد النموذج استخدام أداة من الخادم «Test tools».",
    ("السماح مرة واحدة", "السماح بهذه الأداة دائمًا", "رفض"),
    "تم السماح مرة واحدة.",
    "استُخدمت أداة واحدة",
    "**النتيجة** (اكتملت، ",
)


@pytest.fixture
def app(kitdesk_home: Paths, upstream: Upstream) -> Iterator[Kitdesk]:
    launch = stdio_launch()
    server = McpServer(
        id="tests",
        name="Test tools",
        command=launch.command,
        args=launch.args,
        env=launch.env,
        approval="ask",
    )
    kitdesk = start_kitdesk(kitdesk_home, upstream, auto_title=False, mcp_servers=[server])
    try:
        yield kitdesk
    finally:
        kitdesk.close()


def speak(app: Kitdesk, language: str | None) -> None:
    """What the web UI does: name its language on every ChatKit request."""
    app.client.headers.pop("accept-language", None)
    if language is not None:
        app.client.headers["accept-language"] = language


def done_items(answer: Answer, kind: type[T]) -> list[T]:
    return [
        e.item
        for e in answer.events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, kind)
    ]


def card_texts(card: WidgetItem) -> list[str]:
    """The card's visible words, in order (title, caption, buttons, decision)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("value", "label"):
                if isinstance(node.get(key), str) and node.get("type") != "Markdown":
                    found.append(node[key])
            for child in node.get("children") or []:
                walk(child)

    walk(card.widget.model_dump())
    return found


def ask_and_allow(app: Kitdesk) -> tuple[WidgetItem, Answer]:
    app.upstream.script(
        Turn(tool_calls=[ToolCall("tests__echo", '{"text": "hallo"}', call_id="e1")]),
        Turn(text="Fertig."),
    )
    asked = app.send("echo, please")
    assert asked.errors == []
    [card] = done_items(asked, WidgetItem)
    resumed = app.stream(
        "threads.custom_action",
        thread_id=asked.thread_id,
        item_id=card.id,
        action={"type": APPROVAL_ACTION, "payload": {"call_id": "e1", "decision": "once"}},
    )
    assert resumed.errors == [] and resumed.text == "Fertig."
    return card, resumed


@pytest.mark.parametrize(
    ("header", "words"),
    [(None, ENGLISH), ("de-DE,de;q=0.9,en;q=0.8", GERMAN), ("ar", ARABIC)],
    ids=["nothing-said", "de", "ar"],
)
def test_the_card_and_the_activity_speak_the_request_language(
    app: Kitdesk, header: str | None, words: Words
) -> None:
    speak(app, header)
    card, resumed = ask_and_allow(app)
    assert card_texts(card) == [words.title, words.caption, *words.buttons]
    assert card.copy_text is not None and "tests__echo" in card.copy_text

    stored = next(i for i in app.items(card.thread_id) if isinstance(i, WidgetItem))
    assert card_texts(stored) == [words.title, words.caption, words.allowed_once]

    [activity] = done_items(resumed, WorkflowItem)
    summary = activity.workflow.summary
    assert summary is not None and getattr(summary, "title", None) == words.used_one
    [task] = activity.workflow.tasks
    content = getattr(task, "content", "") or ""
    assert words.result in content and "hallo" in content


def test_a_stored_card_keeps_its_language_and_the_decision_uses_the_deciding_one(
    app: Kitdesk,
) -> None:
    speak(app, "de")
    app.upstream.script(
        Turn(tool_calls=[ToolCall("tests__echo", '{"text": "x"}', call_id="e1")]),
        Turn(text="Ohne Tool."),
    )
    asked = app.send("echo")
    [card] = done_items(asked, WidgetItem)
    speak(app, "ar")
    later = app.send("egal", asked.thread_id)  # retires the card, in Arabic
    assert later.errors == []
    stored = next(i for i in app.items(asked.thread_id) if isinstance(i, WidgetItem))
    assert card_texts(stored) == [
        GERMAN.title,
        GERMAN.caption,
        "لم تتم الإجابة: وصلت رسالة أحدث أولًا. لم تُشغَّل الأداة.",
    ]
    too_late = app.stream(
        "threads.custom_action",
        thread_id=asked.thread_id,
        item_id=card.id,
        action={"type": APPROVAL_ACTION, "payload": {"call_id": "e1", "decision": "once"}},
    )
    assert [e.message for e in too_late.errors] == [
        "تمت الإجابة عن هذا الطلب من قبل، أو حلّت محله رسالة أحدث."
    ]


@pytest.mark.parametrize(("setting", "words"), [("de", GERMAN), ("system", ENGLISH)])
def test_without_a_header_the_language_setting_applies(
    app: Kitdesk, setting: str, words: Words
) -> None:
    app.update_settings(language=setting)
    speak(app, None)
    card, _ = ask_and_allow(app)
    assert card_texts(card)[0] == words.title


def test_the_step_limit_sentence_follows_the_request(app: Kitdesk) -> None:
    app.update_settings(tool_step_limit=1)
    speak(app, "de")
    app.upstream.script(
        *[
            Turn(tool_calls=[ToolCall("tests__add", '{"a": 1, "b": 2}', call_id=f"a{n}")])
            for n in range(3)
        ]
    )
    asked = app.send("add forever")
    [card] = done_items(asked, WidgetItem)
    resumed = app.stream(
        "threads.custom_action",
        thread_id=asked.thread_id,
        item_id=card.id,
        action={"type": APPROVAL_ACTION, "payload": {"call_id": "a0", "decision": "always"}},
    )
    assert [e.message for e in resumed.errors] == [
        "Kitdesk hat angehalten: Das in den Einstellungen festgelegte Limit für Tool-Schritte "
        "(1) ist erreicht. Sende eine weitere Nachricht, damit das Modell weitermacht, "
        "oder erhöhe das Limit."
    ]


@pytest.mark.parametrize(
    ("header", "note"),
    [
        (None, "*[The answer was cut off before Test openai finished it.]*"),
        ("ar", "*[انقطعت الإجابة قبل أن يُكملها Test openai.]*"),
    ],
)
def test_the_cut_off_note_of_a_partial_answer_follows_the_request(
    app: Kitdesk, header: str | None, note: str
) -> None:
    speak(app, header)
    app.upstream.script(Turn(text="alpha beta gamma delta", fail_after=2, error_message="Busy"))
    answer = app.send("go")
    assert answer.errors != []
    [stored] = [i for i in app.items(answer.thread_id) if isinstance(i, AssistantMessageItem)]
    assert stored.content[0].text.startswith("alpha beta ")
    assert stored.content[0].text.endswith(note)
