"""The lighter Linux window (issue 9): what it does not load until asked.

The window module reaches ``webview.start()`` without the server's large imports
(the server thread makes them meanwhile).

The quick-ask window's page costs a renderer process of its own, so with no
hotkey set it does not exist until it is asked for (here by ``kitdesk
--quick-ask``, the same channel the tray's Quick ask uses). Qt draws the web
view with its software scene graph and no OpenGL on X11, so no GL driver is
mapped into the process, unless the person chose Qt graphics settings themselves.
Chromium starts without its unsandboxed zygote (nothing forks from it under Qt
WebEngine); a person's own Chromium flags are kept, ours appended after theirs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from kitdesk.window.qt_tuning import apply_qt_defaults

from tests.upstream import Upstream
from tests.window import cdp, harness, x11

EXIT_TIMEOUT = 30.0
# Mesa's drivers and the GL loader: what an OpenGL scene graph maps under Xvfb.
GL_LIBRARIES = ("swrast_dri.so", "libLLVM", "libGLX_mesa", "_dri.so")
# The quick page's word that its first show takes typing (web UI desktop.ts).
QUICK_READY = "document.documentElement.getAttribute('data-quick-ready') === '1'"


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with harness.window_display() as name:
        yield name


def _renderers(app: harness.App) -> int:
    count = 0
    for process in app.tree():
        try:
            count += "--type=renderer" in process.cmdline()
        except psutil.Error:
            continue
    return count


def _zygotes(app: harness.App) -> list[list[str]]:
    zygotes: list[list[str]] = []
    for process in app.tree():
        try:
            command = process.cmdline()
        except psutil.Error:
            continue
        if "--type=zygote" in command:
            zygotes.append(command)
    return zygotes


def _renderer_command(app: harness.App) -> str:
    for process in app.tree():
        try:
            command = " ".join(process.cmdline())
        except psutil.Error:
            continue
        if "--type=renderer" in command:
            return command
    raise AssertionError("no renderer process")


def _mapped_gl_libraries(process: psutil.Process) -> list[str]:
    return sorted({m.path for m in process.memory_maps() if any(g in m.path for g in GL_LIBRARIES)})


def _quick_pages(app: harness.App) -> list[str]:
    return [t["url"] for t in cdp.page_targets(app.cdp_port) if t["url"].endswith("#quick")]


@pytest.mark.window
def test_the_quick_window_and_gl_wait_until_asked_for(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
    }
    app = harness.launch(
        harness.dev_command(), home=home, display=display, env=env, log_path=tmp_path / "out.log"
    )
    try:
        main = harness.attach(app)
        harness.wait_interactive(main)
        window = harness.wait_for_window(app)
        assert _quick_pages(app) == []
        assert _renderers(app) == 1
        assert _mapped_gl_libraries(app.kitdesk()) == []
        # Only the zygote renderers fork from: the unsandboxed one (for GPU and
        # utility processes, which Qt runs in-process) is not started.
        zygotes = _zygotes(app)
        assert len(zygotes) == 1, zygotes
        assert "--no-zygote-sandbox" not in zygotes[0]

        # Asked for (what a desktop shortcut or the tray does), it is created and usable.
        asked = subprocess.run(
            [*harness.dev_command(), "--quick-ask"],
            env=harness.base_env(display) | {"KITDESK_HOME": str(home)},
            capture_output=True,
            timeout=60,
        )
        assert asked.returncode == 0, asked.stderr.decode(errors="replace")
        x11.wait_for_window(display, "Kitdesk Quick Ask", timeout=60)
        quick = harness.attach(app, quick=True)
        harness.wait_interactive(quick)
        assert len(_quick_pages(app)) == 1
        assert _renderers(app) == 2
        # It answers like the eagerly created one (its first show takes typing).
        quick.wait_for(QUICK_READY, 60, "the first show ready for typing")
        quick.type_text("Created when asked?")
        quick.press_enter()
        deadline = time.monotonic() + 60
        while "Echo: Created when asked?" not in quick.text():
            assert time.monotonic() < deadline, "the quick window showed no answer"
            time.sleep(0.2)
        quick.close()
        main.close()

        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        app.kill()


def test_the_window_starts_without_the_server_s_large_imports() -> None:
    # The server thread imports these while Qt starts; the window's own path to
    # webview.start() does not wait for them.
    heavy = ["pydantic", "kitdesk.settings", "fastapi", "openai", "sqlite3"]
    probe = (
        "import sys, kitdesk.cli, kitdesk.window.main; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_the_person_s_own_qt_graphics_choice_wins() -> None:
    lighter = {"QT_QUICK_BACKEND": "software", "QT_XCB_GL_INTEGRATION": "none"}
    flags = {
        "QTWEBENGINE_CHROMIUM_FLAGS": (
            "--js-flags=--expose-gc --no-unsandboxed-zygote --disable-features=V8Turbofan"
        )
    }
    env: dict[str, str] = {"LANG": "C.UTF-8"}
    assert apply_qt_defaults(env) == lighter | flags
    assert env == {"LANG": "C.UTF-8", **lighter, **flags}
    for own in (
        {"QT_QUICK_BACKEND": "opengl"},
        {"QMLSCENE_DEVICE": "opengl"},
        {"QT_XCB_GL_INTEGRATION": "xcb_egl"},
    ):
        env = dict(own)
        assert apply_qt_defaults(env) == flags
        assert env == own | flags


OURS = "--disable-features=V8Turbofan"


@pytest.mark.parametrize(
    ("own", "merged"),
    [
        (
            "--force-dark-mode",
            f"--force-dark-mode --js-flags=--expose-gc --no-unsandboxed-zygote {OURS}",
        ),
        # Chromium keeps only the last --js-flags: the person's stay the only ones.
        ("--js-flags=--max-lazy", f"--js-flags=--max-lazy --no-unsandboxed-zygote {OURS}"),
        (
            '--js-flags="--max-lazy --expose-gc" --force-dark-mode',
            f'--js-flags="--max-lazy --expose-gc" --force-dark-mode --no-unsandboxed-zygote {OURS}',
        ),
        (
            "--no-unsandboxed-zygote --js-flags=--expose-gc",
            f"--no-unsandboxed-zygote --js-flags=--expose-gc {OURS}",
        ),
        # One --disable-features (Chromium keeps the last): theirs, then ours.
        (
            "--disable-features=Translate,MediaRouter --force-dark-mode",
            "--force-dark-mode --js-flags=--expose-gc --no-unsandboxed-zygote"
            " --disable-features=Translate,MediaRouter,V8Turbofan",
        ),
        (
            "--disable-features=V8Turbofan",
            "--disable-features=V8Turbofan --js-flags=--expose-gc --no-unsandboxed-zygote",
        ),
        # A feature the person enables stays enabled.
        (
            "--enable-features=V8Turbofan",
            "--enable-features=V8Turbofan --js-flags=--expose-gc --no-unsandboxed-zygote",
        ),
    ],
)
def test_the_person_s_own_chromium_flags_are_kept(own: str, merged: str) -> None:
    env = {"QTWEBENGINE_CHROMIUM_FLAGS": own}
    apply_qt_defaults(env)
    assert env["QTWEBENGINE_CHROMIUM_FLAGS"] == merged


@pytest.mark.window
def test_the_person_s_own_flags_reach_chromium(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    # What a person sets in the environment is what Chromium runs with; ours only add to it.
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
        "QTWEBENGINE_CHROMIUM_FLAGS": "--js-flags=--max-lazy",
        "QT_QUICK_BACKEND": "software",
    }
    app = harness.launch(
        harness.dev_command(),
        home=tmp_path / "home",
        display=display,
        env=env,
        log_path=tmp_path / "out.log",
    )
    try:
        main = harness.attach(app)
        harness.wait_interactive(main)
        renderer = _renderer_command(app)
        assert "--js-flags=--max-lazy" in renderer
        assert "--expose-gc" not in renderer
        # Ours are added to theirs: V8's top tier stays off in the renderer.
        disabled = [w for w in renderer.split() if w.startswith("--disable-features=")]
        assert "V8Turbofan" in disabled[-1].split("=", 1)[1].split(","), disabled
        assert len(_zygotes(app)) == 1
        # QT_QUICK_BACKEND was the person's choice, so QT_XCB_GL_INTEGRATION is left
        # alone (a child's environment is the one Kitdesk ran Qt with).
        zygote = next(p for p in app.tree() if "--type=zygote" in p.cmdline())
        assert "QT_XCB_GL_INTEGRATION" not in zygote.environ()
        main.close()
        window = x11.wait_for_window(display, "Kitdesk")
        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        app.kill()
