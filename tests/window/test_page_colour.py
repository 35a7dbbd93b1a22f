"""The window shows the theme's colours until the app paints, and asks for the app
before the server answers: the app loads once it does."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kitdesk.window.page_colour import DARK, LIGHT, chosen_theme, loading_page, window_background

from tests.upstream import Upstream
from tests.window import harness, x11

HOLD = 8.0  # seconds the server's start is held back
ROOT_BLACK = "#000000"


@pytest.mark.parametrize(
    ("content", "theme"),
    [
        ('{"theme": "dark"}', "dark"),
        ('{"theme": "light", "updates": "off"}', "light"),
        ('{"theme": "system"}', "system"),
        ('{"theme": "purple"}', "system"),
        ("not json", "system"),
        ("[1, 2]", "system"),
    ],
)
def test_the_theme_is_read_from_the_settings_file(tmp_path: Path, content: str, theme: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    assert chosen_theme(path) == theme


def test_a_missing_settings_file_follows_the_system(tmp_path: Path) -> None:
    assert chosen_theme(tmp_path / "absent.json") == "system"


def test_the_loading_page_takes_the_chosen_theme_or_the_desktops() -> None:
    assert f"background:{DARK}" in loading_page("dark")
    assert LIGHT not in loading_page("dark")
    assert f"background:{LIGHT}" in loading_page("light")
    assert DARK not in loading_page("light")
    system = loading_page("system")
    assert f"background:{LIGHT}" in system
    assert f"@media (prefers-color-scheme: dark){{html,body{{background:{DARK}}}}}" in system
    assert window_background("dark") == DARK
    assert window_background("system") == window_background("light") == LIGHT


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with harness.window_display(screenshots=True) as name:
        yield name


def centre_colour(display: str, shot: Path) -> str | None:
    """The colour at the screen's centre; None when the grab failed (ImageMagick's
    ``import`` can fail while a window is being mapped, as this one is)."""
    try:
        x11.screenshot(display, shot)
    except subprocess.CalledProcessError:
        return None
    out = subprocess.run(
        ["convert", str(shot), "-format", "%[hex:p{640,400}]", "info:"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return "#" + out.strip().lower()[:6]


@pytest.mark.window
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_page_waits_for_the_server_in_the_themes_colour(
    display: str, upstream: Upstream, tmp_path: Path, theme: str
) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps({"updates": "off", "theme": theme}))
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
    }
    # The screen's centre must show this launch's window, not one a test before left.
    x11.wait_for_no_window(display, "Kitdesk")
    started = time.monotonic()
    app = harness.launch(
        [sys.executable, str(Path(__file__).with_name("held_server.py")), str(HOLD)],
        home=home,
        display=display,
        env=env,
        log_path=tmp_path / "kitdesk.log",
    )
    try:
        harness.wait_for_window(app)
        # Until the window is painted the screen there is the bare root window (black).
        colour = centre_colour(display, tmp_path / "early.png")
        while colour in (None, ROOT_BLACK) and time.monotonic() - started < HOLD - 1:
            time.sleep(0.2)
            colour = centre_colour(display, tmp_path / "early.png")
        held = time.monotonic() - started < HOLD
        # The page asked for the app when the window appeared; it loads once the server answers.
        page = harness.attach(app, timeout=120)
        harness.wait_interactive(page, timeout=120)
    finally:
        app.kill()
    if not held:
        pytest.skip("the machine was too slow to look at the window while the server was held")
    assert colour == (DARK if theme == "dark" else LIGHT)
