"""Device permissions in the window: the microphone for the app's own origin only.

The policy is checked without a window; the last test asks Qt WebEngine itself
(a real window under Xvfb, Chromium's fake audio and video devices) and then
dictates through the mic button against the fake upstream.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kitdesk.window.permissions import PermissionPolicy

from tests.upstream import Upstream
from tests.window import harness, x11

APP = "http://127.0.0.1:48213"
ARTIFACTS = harness.REPO / "test-artifacts" / "window"


def policy_for(app_url: str | None = APP) -> PermissionPolicy:
    policy = PermissionPolicy()
    if app_url is not None:
        policy.set_app_url(app_url)
    return policy


@pytest.mark.parametrize(
    "origin",
    [APP, APP + "/", APP + "/?token=abc", "HTTP://127.0.0.1:48213"],
)
def test_the_app_origin_gets_the_microphone(origin: str) -> None:
    assert policy_for().allows(origin, "MediaAudioCapture") is True


@pytest.mark.parametrize(
    "permission",
    [
        "MediaVideoCapture",
        "MediaAudioVideoCapture",
        "DesktopVideoCapture",
        "DesktopAudioVideoCapture",
        "Geolocation",
        "Notifications",
        "MouseLock",
        "ClipboardReadWrite",
        "LocalFontsAccess",
        "Unsupported",
        "",
    ],
)
def test_the_app_origin_gets_nothing_else(permission: str) -> None:
    assert policy_for().allows(APP, permission) is False


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:48214",  # another local port: another program
        "http://localhost:48213",  # the same server under another name is another origin
        "https://127.0.0.1:48213",
        "http://127.0.0.1",
        "https://example.com",
        "http://127.0.0.1:48213.evil.example",
        "http://127.0.0.1:notaport",
        "data:text/html,hi",
        "about:blank",
        "",
    ],
)
def test_other_origins_get_no_microphone(origin: str) -> None:
    assert policy_for().allows(origin, "MediaAudioCapture") is False


def test_nothing_is_granted_before_the_app_loads() -> None:
    assert policy_for(None).allows(APP, "MediaAudioCapture") is False
    assert policy_for(None).allows("about:blank", "MediaAudioCapture") is False


# --------------------------------------------------------------------------- the real window

# In the page: ask for a device and report what happened (the error's name when refused).
ASK = """navigator.mediaDevices.getUserMedia(%s).then(
  (stream) => { const kinds = stream.getTracks().map((t) => t.kind).sort().join("+");
                stream.getTracks().forEach((t) => t.stop()); return "granted " + kinds; },
  (error) => error.name)"""
REFUSED = {"NotAllowedError", "AbortError"}


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with harness.window_display() as name:
        yield name


@pytest.mark.window
def test_the_window_grants_the_microphone_only_and_dictation_works(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    upstream.transcript = "Dictated in the real window"
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
        # A fake microphone and camera, but Qt's own permission path (no fake UI flag).
        "QTWEBENGINE_CHROMIUM_FLAGS": "--use-fake-device-for-media-stream",
    }
    home = tmp_path / "home"
    app = harness.launch(
        harness.dev_command(),
        home=home,
        display=display,
        env=env,
        log_path=tmp_path / "kitdesk.log",
    )
    try:
        page = harness.attach(app)
        harness.wait_interactive(page)
        assert page.evaluate(ASK % "{audio: true}") == "granted audio"
        # Qt WebEngine reports a denied capture request as AbortError, Chromium as NotAllowedError.
        assert page.evaluate(ASK % "{video: true}") in REFUSED
        # With the microphone granted, asking for both still hands over no camera.
        assert page.evaluate(ASK % "{audio: true, video: true}") in REFUSED | {"granted audio"}

        mic = "button.ck-mic"
        page.wait_for(page.query(mic, ".offsetParent !== null"), 10, "the mic button")
        page.click(mic)
        page.wait_for(
            page.query(mic, ".getAttribute('aria-label') === 'Stop recording'"),
            10,
            "the recording state",
        )
        page.wait_for(page.query(".ck-rec-time", ".textContent === '0:01'"), 10, "a second")
        x11.screenshot(display, ARTIFACTS / "dictation-recording.png")
        page.click(mic)
        page.wait_for(
            page.query(harness.COMPOSER, ".value === 'Dictated in the real window'"),
            30,
            "the transcribed text in the composer",
        )
    finally:
        app.kill()

    uploads = [r for r in upstream.requests if r.path == "/v1/audio/transcriptions"]
    assert len(uploads) == 1
    # OPENAI_BASE_URL makes the environment provider a custom OpenAI-compatible one.
    assert uploads[0].json["model"] == "whisper-1"
    assert uploads[0].json["file_size"] > 0
    log_text = (home / "logs" / "kitdesk.log").read_text()
    assert "granted MediaAudioCapture permission" in log_text
    assert "denied MediaVideoCapture permission" in log_text
