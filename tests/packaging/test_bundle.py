"""The frozen Linux bundle: build it with the project's spec, check that what the spec
dropped is nothing a remaining library links, self-test it with a real Secret Service,
then run it windowed from elsewhere with an almost empty environment and chat twice
(two launches) with a key kept in that Secret Service.

Building takes one to two minutes. ``KITDESK_BUNDLE=/path/to/dist/kitdesk``
reuses an existing bundle instead (for local iteration).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require
from tests.upstream import Upstream
from tests.window import cdp, harness, x11

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
        folder = Path(existing).resolve()  # the tests run it from other folders
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
    with harness.window_display(qt=False) as name:
        yield name


def bundled_modules(bundle: Path) -> set[str]:
    """Names of the Python modules frozen into the bundle's PYZ archive."""
    from PyInstaller.archive.readers import CArchiveReader

    executable = CArchiveReader(str(bundle / "kitdesk"))
    pyz = next(name for name in executable.toc if name.endswith(".pyz") or name == "PYZ-00.pyz")
    return set(executable.open_embedded_archive(pyz).toc)


def bare_env(display: str, home: Path) -> dict[str, str]:
    """What `env -i` plus a desktop session leaves: no venv, no PYTHONPATH, no repo paths."""
    env = harness.base_env(display)
    env["HOME"] = str(home)
    return env


def linked_libraries(path: Path) -> list[str]:
    """The NEEDED entries of an ELF file's dynamic section (what the loader must find)."""
    dynamic = subprocess.run(
        ["readelf", "--dynamic", "--wide", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)


def is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def test_every_bundled_library_finds_the_libraries_it_links(bundle: Path) -> None:
    """The spec drops libraries it found unused: none of them may be one that a
    library still in the bundle links. Only what PyInstaller leaves to the system on
    purpose (glibc, the graphics stack) may be absent."""
    require(shutil.which("readelf") is not None, "readelf (binutils) is not installed")
    from PyInstaller.depend.dylib import include_library

    present = {path.name for path in bundle.rglob("*")}
    elf_files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    assert len(elf_files) > 100  # Qt, its plugins, Python's extension modules
    missing = {
        f"{path.relative_to(bundle)} -> {name}"
        for path in elf_files
        for name in linked_libraries(path)
        if name not in present
        and include_library(name)  # PyInstaller would have bundled it
        and not name.startswith("ld-linux")  # the dynamic loader itself
    }
    assert sorted(missing) == []


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


# The key the chats authenticate with: the fake upstream refuses any other, and the
# bundle only knows it from the Secret Service, where the first launch stores it.
KEYRING_KEY = "sk-kept-in-the-secret-service"


def launch_bundle(
    bundle: Path, display: str, home: Path, tmp_path: Path, *, name: str
) -> harness.App:
    """The bundle, windowed, from a folder that is neither the repository nor the bundle,
    with the test's gnome-keyring (its keyring file persists across launches)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = bare_env(display, tmp_path / "user")
    return harness.launch(
        [str(bundle / "kitdesk")],
        home=home,
        display=display,
        env=env,
        cwd=elsewhere,
        log_path=tmp_path / f"{name}.log",
        keyring_dir=tmp_path / "keyring",
    )


def call_api(page: cdp.Page, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """An API call made by the page itself (same origin, the launch cookie); ``path``
    is relative to the app's page, which lives under the launch's secret prefix."""
    script = (
        f"fetch({json.dumps(path.lstrip('/'))}, {{method: {json.dumps(method)}, "
        "headers: {'Content-Type': 'application/json'}, "
        f"body: {json.dumps(json.dumps(body))}}})"
        ".then(async r => ({status: r.status, body: await r.json()}))"
    )
    return page.evaluate(script)


def chat(page: cdp.Page, text: str) -> None:
    harness.send_message(page, text)
    page.wait_for(
        page.query(
            "openai-chatkit", f".shadowRoot.textContent.includes({json.dumps('Echo: ' + text)})"
        ),
        60,
        f"the streamed answer to {text!r}",
    )


def close_window(app: harness.App, page: cdp.Page, display: str) -> None:
    page.close()
    window = x11.wait_for_window(display, "Kitdesk")
    with x11.Display(display) as dpy:
        dpy.request_close(window.window)
    assert app.wait(60) == 0, app.output()[-3000:]


def test_the_windowed_bundle_answers_twice_with_a_key_from_the_keyring(
    bundle: Path, display: str, upstream: Upstream, tmp_path: Path
) -> None:
    require(shutil.which("gnome-keyring-daemon") is not None, "gnome-keyring is not installed")
    upstream.require_key = KEYRING_KEY
    home = tmp_path / "kitdesk-home"

    # First launch: add a provider and store its key in the Secret Service
    # through the app, then chat with it.
    app = launch_bundle(bundle, display, home, tmp_path, name="first")
    try:
        page = harness.attach(app, timeout=120)
        page.wait_for("location.protocol === 'http:' && !location.search", 120, "the app's page")
        created = call_api(
            page,
            "POST",
            "/api/providers",
            {
                "kind": "custom",
                "name": "Fake",
                "base_url": upstream.base_url,
                "default_model": "gpt-test",
            },
        )
        assert created["status"] == 201, created
        provider_id = created["body"]["id"]
        stored = call_api(page, "PUT", f"/api/providers/{provider_id}/key", {"key": KEYRING_KEY})
        assert stored["status"] == 200, stored
        page.evaluate("location.reload()")
        harness.wait_interactive(page, timeout=120)

        # Everything it runs comes from the bundle, nothing from the source tree or venv.
        process = app.kitdesk()
        mapped = {m.path for m in process.memory_maps() if m.path.startswith("/")}
        assert any(path.startswith(str(bundle)) for path in mapped)
        leaks = sorted(
            p for p in mapped if p.startswith((str(REPO / ".venv"), str(REPO / "desktop")))
        )
        assert leaks == []
        assert process.cwd() == str(tmp_path / "elsewhere")

        chat(page, "Hello from the frozen bundle")
        x11.screenshot(display, ARTIFACTS / "bundle-window.png")
        close_window(app, page, display)
    finally:
        app.kill()

    # Second launch: the key comes back from the keyring file alone.
    app = launch_bundle(bundle, display, home, tmp_path, name="second")
    try:
        page = harness.attach(app, timeout=120)
        harness.wait_interactive(page, timeout=120)
        chat(page, "Hello again after a restart")
        close_window(app, page, display)
    finally:
        app.kill()

    requests = upstream.chat_requests
    assert [r.headers.get("authorization") for r in requests] == [f"Bearer {KEYRING_KEY}"] * 2
    # The Agents SDK stays out of the bundle (Kitdesk serves ChatKit with its own
    # dispatcher); the MCP client is in, for tool servers.
    modules = bundled_modules(bundle)
    assert "mcp.client.stdio" in modules
    assert not [name for name in modules if name == "agents" or name.startswith("agents.")]

    with sqlite3.connect(home / "data" / "kitdesk.db") as db:
        items = db.execute("SELECT type, data FROM items ORDER BY seq").fetchall()
    texts = [
        (kind, json.loads(data)["content"][0]["text"])
        for kind, data in items
        if kind in ("user_message", "assistant_message")
    ]
    assert texts == [
        ("user_message", "Hello from the frozen bundle"),
        ("assistant_message", "Echo: Hello from the frozen bundle"),
        ("user_message", "Hello again after a restart"),
        ("assistant_message", "Echo: Hello again after a restart"),
    ]
