"""Dictation in the real browser: Chromium's fake microphone (a steady tone) is
recorded by the mic button, sent as ``input.transcribe`` to ``kitdesk serve``,
which uploads it to the fake upstream's ``/v1/audio/transcriptions``; the
scripted words land in the composer at the caret, unsent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.chat import composer, focused_label, open_chat
from tests.browser.conftest import KitdeskServer, PageErrors, chromium, screenshot
from tests.upstream import RecordedRequest, Upstream

pytestmark = pytest.mark.browser

# A fake audio and video device, and microphone permission granted without a prompt.
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
SCRIPTED = "Scripted words from the fake upstream"


@pytest.fixture(scope="module")  # a live sync Playwright blocks asyncio tests that run after it
def media_browser() -> Iterator[Browser]:
    with chromium(MEDIA_ARGS) as launched:
        yield launched


@pytest.fixture
def context(media_browser: Browser) -> Iterator[BrowserContext]:
    context = media_browser.new_context(
        viewport={"width": 1280, "height": 800}, color_scheme="light"
    )
    yield context
    context.close()


def stop_recording(page: Page) -> Locator:
    return page.get_by_role("button", name="Stop recording")


def transcriptions(upstream: Upstream) -> list[RecordedRequest]:
    return [r for r in upstream.requests if r.path == "/v1/audio/transcriptions"]


def record_a_second(page: Page) -> None:
    """Recording is on screen until the timer shows a full second of audio."""
    expect(stop_recording(page)).to_be_visible()
    expect(page.locator("openai-chatkit .ck-rec-dot")).to_be_visible()
    expect(page.locator("openai-chatkit .ck-rec-time")).to_have_text("0:01", timeout=15_000)


def test_dictated_words_land_at_the_caret_and_the_audio_reached_the_provider(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    upstream.transcript = SCRIPTED
    open_chat(page, ready_server)
    box = composer(page)
    box.fill("Note: please")
    box.evaluate("el => el.setSelectionRange(5, 5)")  # the caret right after "Note:"

    dictate = page.get_by_role("button", name="Dictate")
    expect(dictate).to_have_attribute(
        "title", "Dictate: speak, then stop to add the words to your message"
    )
    size = dictate.bounding_box()
    assert size is not None and size["width"] >= 32 and size["height"] >= 32
    dictate.click()
    record_a_second(page)
    screenshot(page, "dictation-recording")
    stop_recording(page).click()

    expect(box).to_have_value(f"Note: {SCRIPTED} please")
    expect(page.get_by_role("button", name="Dictate")).to_be_enabled()
    expect(page.locator("openai-chatkit .ck-composer-error")).to_have_count(0)
    assert (
        box.evaluate("el => [el.selectionStart, el.selectionEnd]") == [len(f"Note: {SCRIPTED}")] * 2
    )
    screenshot(page, "dictation-inserted")

    (sent,) = transcriptions(upstream)
    assert sent.json["model"] == "whisper-1"  # the custom provider's transcription model
    assert sent.json["file_name"] == "dictation.webm"
    assert sent.json["file_content_type"] == "audio/webm"
    assert sent.json["file_size"] > 1000  # a second of Opus from the fake microphone
    assert sent.headers["authorization"] == f"Bearer {upstream.require_key}"
    assert upstream.chat_requests == []  # inserted, not sent

    # Keyboard only: Enter on the focused mic starts, Esc stops, the words go at the caret.
    box.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    page.get_by_role("button", name="Dictate").focus()
    page.keyboard.press("Enter")
    record_a_second(page)
    assert focused_label(page) == "Stop recording"
    page.keyboard.press("Escape")
    expect(box).to_have_value(f"Note: {SCRIPTED} please {SCRIPTED}")
    assert len(transcriptions(upstream)) == 2
    assert page_errors.errors == []


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            404,
            "Test upstream does not offer speech-to-text, so dictation is not available "
            "with it. Type your message instead, or add a provider with transcription "
            "(such as OpenAI) in Settings.",
        ),
        (500, "Dictation failed: "),
    ],
)
def test_a_provider_without_transcription_gets_a_sentence_and_the_draft_stays(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
    status: int,
    message: str,
) -> None:
    upstream.transcription_status = status
    open_chat(page, ready_server)
    box = composer(page)
    box.fill("My careful draft")
    page.get_by_role("button", name="Dictate").click()
    record_a_second(page)
    stop_recording(page).click()

    error = page.locator("openai-chatkit .ck-composer-error[role=alert]")
    expect(error).to_contain_text(message)
    text = error.inner_text()
    assert "Traceback" not in text and "Error:" not in text and len(text) < 400
    expect(box).to_have_value("My careful draft")
    expect(page.get_by_role("button", name="Dictate")).to_be_enabled()
    assert len(transcriptions(upstream)) == 1
    if status == 404:
        screenshot(page, "dictation-unavailable")
        page.emulate_media(color_scheme="dark")
        page.wait_for_timeout(500)  # only for the picture: the colour transitions finish
        screenshot(page, "dictation-unavailable-dark")
    # The refused request is the only failure the page saw.
    assert [e for e in page_errors.errors if "/chatkit" not in e] == []
    assert len(page_errors.errors) == 1 and page_errors.errors[0].startswith("HTTP ")
