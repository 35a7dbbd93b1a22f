"""Full-text search through SQLiteStore.search on a real database: what is
found, in what order, with snippets safe to render as HTML, and queries a
person might type (or paste) that must never become an FTS syntax error."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    SDKHiddenContextItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store.search import match_expression, parse_query, snippet_html
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:8123")
WHEN = datetime(2026, 3, 4, 5, 6, 7)


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


async def new_thread(store: SQLiteStore, thread_id: str, title: str | None = None) -> None:
    await store.save_thread(ThreadMetadata(id=thread_id, title=title, created_at=WHEN), CTX)


async def say(store: SQLiteStore, thread_id: str, item_id: str, text: str) -> None:
    item = UserMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=WHEN,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )
    await store.add_thread_item(thread_id, item, CTX)


async def answer(store: SQLiteStore, thread_id: str, item_id: str, text: str) -> None:
    item = AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=WHEN,
        content=[AssistantMessageContent(text=text)],
    )
    await store.add_thread_item(thread_id, item, CTX)


async def found(store: SQLiteStore, query: str) -> list[str]:
    return [hit.thread_id for hit in await store.search(query)]


def assert_index_matches_content(db_path: Path) -> None:
    """The FTS indexes hold exactly the words of the rows they point at.

    Builds reference indexes from the current rows and compares every
    (word, row, position) entry, so a trigger that missed an insert, update
    or delete shows up as a difference.
    """
    tokenize = "tokenize = 'unicode61 remove_diacritics 2'"
    with sqlite3.connect(db_path) as db:
        for table, column, source in (
            ("items_fts", "search_text", "SELECT seq, search_text FROM items"),
            ("threads_fts", "title", "SELECT seq, title FROM threads"),
        ):
            db.execute(f"CREATE VIRTUAL TABLE temp.ref_{table} USING fts5({column}, {tokenize})")
            db.execute(
                f"INSERT INTO temp.ref_{table} (rowid, {column}) "
                f"SELECT * FROM ({source}) WHERE {column} IS NOT NULL"
            )
            db.execute(
                f"CREATE VIRTUAL TABLE temp.v_{table} USING fts5vocab(main, {table}, instance)"
            )
            db.execute(
                f"CREATE VIRTUAL TABLE temp.v_ref_{table} "
                f"USING fts5vocab(temp, ref_{table}, instance)"
            )
            indexed = db.execute(
                f"SELECT term, doc, offset FROM temp.v_{table} ORDER BY 1, 2, 3"
            ).fetchall()
            expected = db.execute(
                f"SELECT term, doc, offset FROM temp.v_ref_{table} ORDER BY 1, 2, 3"
            ).fetchall()
            assert indexed == expected, f"{table} is out of step with its rows"


async def test_finds_user_and_assistant_text(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "How do I bake sourdough bread?")
    await answer(store, "thr_a", "a1", "Feed the starter, then knead gently.")
    await new_thread(store, "thr_b")
    await say(store, "thr_b", "u2", "Tell me about rockets")

    assert await found(store, "sourdough") == ["thr_a"]
    assert await found(store, "starter knead") == ["thr_a"]
    assert await found(store, "ROCKETS") == ["thr_b"]
    assert await found(store, "submarine") == []


async def test_hit_carries_title_snippet_and_activity(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a", "Baking")
    await say(store, "thr_a", "u1", "The quick brown fox jumps over the lazy dog")
    [hit] = await store.search("fox")
    assert hit.thread_id == "thr_a"
    assert hit.title == "Baking"
    assert hit.snippet == "The quick brown <mark>fox</mark> jumps over the lazy dog"
    assert hit.updated_at.tzinfo is not None
    thread_page = await store.load_threads(1, None, "desc", CTX)
    assert thread_page.data[0].id == "thr_a"


async def test_last_term_matches_as_prefix_others_exactly(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "apple pie recipe")
    assert await found(store, "app") == ["thr_a"]
    assert await found(store, "apple rec") == ["thr_a"]
    # Only the last term is a prefix: "app" as a first term must match a whole word.
    assert await found(store, "app recipe") == []


async def test_diacritics_and_case_fold(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "Un café crème à Zürich")
    assert await found(store, "cafe creme") == ["thr_a"]
    assert await found(store, "ZURICH") == ["thr_a"]
    assert await found(store, "Zürich") == ["thr_a"]


async def test_non_latin_scripts(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "Привет мир and 日本語 text")
    assert await found(store, "мир") == ["thr_a"]
    assert await found(store, "прив") == ["thr_a"]
    assert await found(store, "日本語") == ["thr_a"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        'say "hello',
        "NEAR(",
        "NEAR(hello world",
        "NEAR(hello world, 2)",
        "*",
        "hello*",
        "**hello",
        "-",
        "-hello",
        "hello -world",
        "hello OR world",
        "AND",
        "NOT hello",
        "hello NOT",
        "^hello",
        "search_text:hello",
        "title:hello",
        "{search_text}: hello",
        "(hello",
        "hello)",
        "+hello",
        "hello & world | x",
        "\\",
        "%_%",
        "a\x00b",
        "\ue000hello\ue001",
        "🙂",
        "🙂 hello",
        "hello " * 500,
        "x" * 5000,
        "   \t\n ",
        "",
    ],
)
async def test_hostile_queries_never_fail(store: SQLiteStore, query: str) -> None:
    await new_thread(store, "thr_a", "Greetings")
    await say(store, "thr_a", "u1", "hello world, NEAR and AND are words too")
    hits = await store.search(query)
    assert isinstance(hits, list)
    assert all(hit.thread_id == "thr_a" for hit in hits)


async def test_operator_words_are_searched_literally(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "hello world, NEAR and AND are words too")
    await new_thread(store, "thr_b")
    await say(store, "thr_b", "u2", "nothing relevant")
    assert await found(store, "NEAR(hello") == ["thr_a"]
    assert await found(store, "hello -world") == ["thr_a"]
    # "NOT" is a word here, and as the last term a prefix: it finds "nothing".
    assert await found(store, "NOT") == ["thr_b"]
    assert await found(store, "OR relevant") == []
    assert await found(store, "and") == ["thr_a"]


async def test_empty_query_returns_nothing(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a", "Anything")
    await say(store, "thr_a", "u1", "anything at all")
    assert await store.search("") == []
    assert await store.search("   ") == []
    assert await store.search("?!*") == []
    assert await store.search("anything", limit=0) == []


async def test_snippet_escapes_everything_but_the_mark(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(
        store,
        "thr_a",
        "u1",
        "<script>alert('x')</script> & \"quoted\" <b>payload</b> <mark>fake</mark>",
    )
    [hit] = await store.search("payload")
    assert hit.snippet == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot; "
        "&lt;b&gt;<mark>payload</mark>&lt;/b&gt; &lt;mark&gt;fake&lt;/mark&gt;"
    )


async def test_long_message_snippet_is_cut_around_the_match(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    words = [f"w{index}" for index in range(60)]
    words[30] = "needle"
    await say(store, "thr_a", "u1", "\n".join(words))
    [hit] = await store.search("needle")
    assert hit.snippet == "…w28 w29 <mark>needle</mark> w31 w32 w33 w34 w35 w36 w37 w38 w39…"


async def test_snippet_marks_folded_matches(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "Un café crème à Zürich")
    [hit] = await store.search("CAFE crem")
    assert hit.snippet == "Un <mark>café</mark> <mark>crème</mark> à Zürich"


async def test_title_matches_and_follows_renames(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a", "Holiday <planning> & budget")
    [hit] = await store.search("holiday")
    assert hit.snippet == "<mark>Holiday</mark> &lt;planning&gt; &amp; budget"
    await new_thread(store, "thr_a", "Tax return")
    assert await found(store, "holiday") == []
    assert await found(store, "tax") == ["thr_a"]
    await new_thread(store, "thr_a", None)
    assert await found(store, "tax") == []


async def test_message_snippet_preferred_over_title(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a", "Garden")
    await say(store, "thr_a", "u1", "which garden plants like shade")
    [hit] = await store.search("garden")
    assert hit.snippet == "which <mark>garden</mark> plants like shade"


async def test_index_follows_replace_and_delete(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    await say(store, "thr_a", "u1", "original words")
    replaced = UserMessageItem(
        id="u1",
        thread_id="thr_a",
        created_at=WHEN,
        content=[UserMessageTextContent(text="edited phrase")],
        inference_options=InferenceOptions(),
    )
    await store.save_item("thr_a", replaced, CTX)
    assert await found(store, "original") == []
    assert await found(store, "edited") == ["thr_a"]
    await store.delete_thread_item("thr_a", "u1", CTX)
    assert await found(store, "edited") == []


async def test_index_stays_in_step_through_every_write_path(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a", "First title")
    await new_thread(store, "thr_b", None)
    await new_thread(store, "thr_c", "Gone soon")
    for index in range(6):
        await say(store, "thr_a", f"u{index}", f"question {index} about café prices")
        await answer(store, "thr_b", f"a{index}", f"answer {index} with Ünïcödé and more")
        await say(store, "thr_c", f"c{index}", f"doomed words {index}")
    await store.save_item(
        "thr_a",
        AssistantMessageItem(
            id="u2",
            thread_id="thr_a",
            created_at=WHEN,
            content=[AssistantMessageContent(text="rewritten entirely")],
        ),
        CTX,
    )
    await store.save_item(
        "thr_a",
        SDKHiddenContextItem(id="u3", thread_id="thr_a", created_at=WHEN, content="now hidden"),
        CTX,
    )
    await store.delete_thread_item("thr_b", "a4", CTX)
    await new_thread(store, "thr_a", "Second title")
    await new_thread(store, "thr_b", "Now titled")
    await new_thread(store, "thr_c", None)
    await new_thread(store, "thr_c", "Titled again")
    await store.delete_thread("thr_c", CTX)
    assert_index_matches_content(store.db_path)
    assert await found(store, "rewritten") == ["thr_a"]
    assert await found(store, "hidden") == []
    assert await found(store, "doomed") == []


async def test_thread_delete_removes_its_hits(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a", "shared topic")
    await say(store, "thr_a", "u1", "shared words")
    await new_thread(store, "thr_b")
    await say(store, "thr_b", "u2", "shared words")
    await store.delete_thread("thr_a", CTX)
    assert await found(store, "shared") == ["thr_b"]


async def test_hidden_items_are_not_searchable_but_tags_are(store: SQLiteStore) -> None:
    await new_thread(store, "thr_a")
    hidden = SDKHiddenContextItem(
        id="h1", thread_id="thr_a", created_at=WHEN, content="secret instructions"
    )
    await store.add_thread_item("thr_a", hidden, CTX)
    tagged = UserMessageItem(
        id="u1",
        thread_id="thr_a",
        created_at=WHEN,
        content=[
            UserMessageTextContent(text="look at"),
            UserMessageTagContent(id="t", text="quarterly report", data={}),
        ],
        inference_options=InferenceOptions(),
    )
    await store.add_thread_item("thr_a", tagged, CTX)
    assert await found(store, "secret") == []
    assert await found(store, "quarterly") == ["thr_a"]


async def test_results_ordered_by_activity_one_per_thread_and_limited(
    store: SQLiteStore,
) -> None:
    for index in range(5):
        await new_thread(store, f"thr_{index}")
        await say(store, f"thr_{index}", "u1", "common word here")
        await answer(store, f"thr_{index}", "a1", "common word there")
    await say(store, "thr_1", "u2", "common again")
    assert await found(store, "common") == ["thr_1", "thr_4", "thr_3", "thr_2", "thr_0"]
    limited = await store.search("common", limit=2)
    assert [hit.thread_id for hit in limited] == ["thr_1", "thr_4"]
    # The snippet comes from the newest matching message of the thread.
    assert limited[0].snippet == "<mark>common</mark> again"


def test_match_expression_quotes_every_term() -> None:
    assert match_expression("hello world") == '"hello" "world"*'
    assert match_expression('NEAR("a" bc') == '"NEAR" "a" "bc"*'
    # A one-letter last term is a word, not a prefix of half the index.
    assert match_expression("don't") == '"don" "t"'
    assert match_expression("-- ** ") is None
    assert match_expression("") is None
    assert (
        match_expression(" ".join(f"w{index}" for index in range(40)))
        == " ".join(f'"w{index}"' for index in range(15)) + ' "w15"*'
    )


def test_snippet_html_only_marks_are_markup() -> None:
    query = parse_query("b")
    assert query is not None
    assert snippet_html("a<b>&", query) == "a&lt;<mark>b</mark>&gt;&amp;"
    assert snippet_html("<mark>x</mark>", query) == "&lt;mark&gt;x&lt;/mark&gt;"
