"""The frozen Linux bundle: build it with the project's spec, self-test it with a real
Secret Service, then run it windowed from elsewhere with an almost empty environment.

Building takes one to two minutes. ``KITDESK_BUNDLE=/path/to/dist/kitdesk``
reuses an existing bundle instead (for local iteration).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.upstream import Upstream
from tests.window import harness, x11

pytestmark = pytest.mark.packaging

REPO = harness.REPO
SPEC = REPO / "build" / "kitdesk.spec"
ARTIFACTS = REPO / "test-artifacts" / "packaging"
BUILD_TIMEOUT = 30 * 60


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle(dist: Path, work: Path) -> Path:
    """The Makefile's `make bundle` command, into a private folder."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return dist / "kitdesk"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require(sys.platform.startswith("linux"), "the packaging test builds the Linux bundle")
    require(
        (REPO / "desktop" / "kitdesk" / "webui_dist" / "index.html").exists(),
        "the web UI is not built (make webui)",
    )
    existing = os.environ.get("KITDESK_BUNDLE")
    if existing:
        folder = Path(existing)
    else:
        root = tmp_path_factory.mktemp("bundle")
        folder = build_bundle(root / "dist", root / "work")
    assert (folder / "kitdesk").is_file()
    size = folder_size(folder)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bundle-size.txt").write_text(f"{size} bytes ({size / 1e6:.0f} MB)\n")
    print(f"\nLinux bundle: {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB) in {folder}")
    return folder


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (tests/system-deps.sh)")
    require(shutil.which("dbus-run-session") is not None, "dbus-run-session is not installed")
    with x11.xvfb() as name:
        yield name


def bare_env(display: str, home: Path) -> dict[str, str]:
    """What `env -i` plus a desktop session leaves: no venv, no PYTHONPATH, no repo paths."""
    env = harness.base_env(display)
    env["HOME"] = str(home)
    return env


def test_the_bundle_passes_its_self_test_with_a_real_secret_service(
    bundle: Path, tmp_path: Path
) -> None:
    require(shutil.which("gnome-keyring-daemon") is not None, "gnome-keyring is not installed")
    require(shutil.which("dbus-run-session") is not None, "dbus-run-session is not installed")
    env = bare_env(":0", tmp_path / "user")
    del env["DISPLAY"]  # the self-test opens no window
    command = harness.with_keyring([str(bundle / "kitdesk"), "--self-test"], tmp_path, env)
    result = subprocess.run(
        ["dbus-run-session", "--", *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "ok   keyring: keyring.backends.SecretService.Keyring" in lines
    assert any(line.startswith("ok   web UI:") for line in lines)
    assert any("GET /api/health -> 200" in line for line in lines)
    assert "ok   database: opened and migrated a new database" in lines


def test_the_bundle_fails_its_self_test_without_a_keyring(bundle: Path, tmp_path: Path) -> None:
    env = bare_env(":0", tmp_path / "user")
    del env["DISPLAY"]
    result = subprocess.run(
        [str(bundle / "kitdesk"), "--self-test"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "FAIL keyring: no usable keyring backend" in result.stdout


def test_the_windowed_bundle_serves_the_ui_and_answers_a_chat(
    bundle: Path, display: str, upstream: Upstream, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    home = tmp_path / "kitdesk-home"
    env = bare_env(display, tmp_path / "user") | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
    }
    app = harness.launch(
        [str(bundle / "kitdesk")],
        home=home,
        display=display,
        env=env,
        cwd=elsewhere,
        log_path=tmp_path / "bundle.log",
    )
    try:
        page = harness.attach(app, timeout=120)
        harness.wait_interactive(page, timeout=120)

        # Everything it runs comes from the bundle, nothing from the source tree or venv.
        process = app.kitdesk()
        mapped = {m.path for m in process.memory_maps() if m.path.startswith("/")}
        assert any(path.startswith(str(bundle)) for path in mapped)
        leaks = sorted(
            p for p in mapped if p.startswith((str(REPO / ".venv"), str(REPO / "desktop")))
        )
        assert leaks == []
        assert process.cwd() == str(elsewhere)

        harness.send_message(page, "Hello from the frozen bundle")
        page.wait_for(
            page.query(
                "openai-chatkit",
                ".shadowRoot.textContent.includes('Echo: Hello from the frozen bundle')",
            ),
            60,
            "the streamed answer",
        )
        x11.screenshot(display, ARTIFACTS / "bundle-window.png")
        page.close()
        window = x11.wait_for_window(display, "Kitdesk")
        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        assert app.wait(60) == 0, app.output()[-3000:]
    finally:
        app.kill()
    with sqlite3.connect(home / "data" / "kitdesk.db") as db:
        items = db.execute("SELECT type, data FROM items ORDER BY seq").fetchall()
    texts = {
        kind: json.loads(data)["content"][0]["text"]
        for kind, data in items
        if kind in ("user_message", "assistant_message")
    }
    assert texts["user_message"] == "Hello from the frozen bundle"
    assert texts["assistant_message"] == "Echo: Hello from the frozen bundle"
