"""Launch the real Kitdesk window in its own process and drive it over the DevTools protocol.

Each launch runs under ``dbus-run-session`` (so no bus or keyring daemon
outlives it) on a given Xvfb display, with Qt WebEngine's remote debugging
bound to a free loopback port. ``cdp.Page`` attaches to that port: what it
types and clicks goes through the window's own web engine. Used by the window
tests, the packaging test and the launch benchmark.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from kitdesk.paths import resolve_paths
from kitdesk.window.crash_log import CRASH_FILE

from tests.conftest import require
from tests.window import cdp, x11

REPO = Path(__file__).resolve().parents[2]
COMPOSER = "textarea.ck-input"
KEYRING_PASSWORD = "kitdesk-test"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(display: str) -> dict[str, str]:
    """An almost empty environment: what a desktop session would give a launched app."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "DISPLAY": display,
        # Qt WebEngine refuses to run as root with its sandbox on (CI runs as root).
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
    }
    # The code under test: a worktree's checkout, not whatever the venv has installed.
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def with_keyring(command: list[str], state_dir: Path, env: dict[str, str]) -> list[str]:
    """Run ``command`` with an unlocked gnome-keyring Secret Service on the session bus."""
    for name in ("data", "run", "cache", "config"):
        (state_dir / name).mkdir(parents=True, exist_ok=True)
    (state_dir / "run").chmod(0o700)
    env["XDG_DATA_HOME"] = str(state_dir / "data")
    env["XDG_RUNTIME_DIR"] = str(state_dir / "run")
    env["XDG_CACHE_HOME"] = str(state_dir / "cache")
    env["XDG_CONFIG_HOME"] = str(state_dir / "config")
    script = (
        f"printf %s {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets "
        '>/dev/null && exec "$@"'
    )
    return ["sh", "-c", script, "sh", *command]


@dataclass
class App:
    """One launched Kitdesk process tree (dbus-run-session -> kitdesk -> QtWebEngine)."""

    proc: subprocess.Popen[bytes]
    home: Path
    display: str
    cdp_port: int
    log_path: Path
    started_at: float = field(default_factory=time.perf_counter)

    def kitdesk(self) -> psutil.Process:
        """The Kitdesk process itself (a child of dbus-run-session)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    cmd = " ".join(child.cmdline())
                    if "kitdesk" in cmd and "dbus" not in cmd and "keyring" not in cmd:
                        return child
            time.sleep(0.05)
        raise RuntimeError("the kitdesk process was not found")

    def tree(self) -> list[psutil.Process]:
        """Kitdesk and every process it started (QtWebEngine's zygote, GPU, renderers)."""
        app = self.kitdesk()
        return [app, *app.children(recursive=True)]

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stuck_report(self) -> str:
        """Where a launch that never showed its window stands: every thread's stack
        (``kill -USR1`` makes Kitdesk write them to crash.log), its processes, its output."""
        stacks = "(no stacks)"
        with contextlib.suppress(psutil.Error, RuntimeError, OSError):
            crash = resolve_paths(self.home).log_dir / CRASH_FILE
            before = crash.stat().st_size if crash.exists() else 0
            os.kill(self.kitdesk().pid, signal.SIGUSR1)
            time.sleep(1.0)
            with crash.open("rb") as log:  # this dump only, whole, however many threads
                log.seek(before)
                stacks = log.read().decode("utf-8", errors="replace")
        processes: list[str] = []
        with contextlib.suppress(psutil.Error, RuntimeError):
            for process in self.tree():
                with contextlib.suppress(psutil.Error):
                    processes.append(f"{process.pid} {process.status()} {process.cmdline()[:2]}")
        return f"stacks:\n{stacks}\nprocesses: {processes}\noutput:\n{self.output()[-3000:]}"

    def kill(self) -> None:
        """End the whole process group, and wait until every process of it is gone: a
        window whose process is still dying would be the next test's "Kitdesk" window."""
        if self.proc.poll() is None:
            tree: list[psutil.Process] = []
            with contextlib.suppress(psutil.Error):
                tree = psutil.Process(self.proc.pid).children(recursive=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            psutil.wait_procs(tree, timeout=10)


def launch(
    command: list[str],
    *,
    home: Path,
    display: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    log_path: Path,
    keyring_dir: Path | None = None,
) -> App:
    """Start ``command`` (a kitdesk invocation) in a private D-Bus session, debuggable over CDP."""
    cdp_port = free_port()
    full_env = dict(env)
    full_env["KITDESK_HOME"] = str(home)
    full_env["QTWEBENGINE_REMOTE_DEBUGGING"] = f"127.0.0.1:{cdp_port}"
    inner = list(command)
    if keyring_dir is not None:
        inner = with_keyring(inner, keyring_dir, full_env)
    dbus = shutil.which("dbus-run-session") or "dbus-run-session"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [dbus, "--", *inner],
            env=full_env,
            cwd=cwd or home.parent,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return App(proc=proc, home=home, display=display, cdp_port=cdp_port, log_path=log_path)


def wait_for_window(app: App, name: str = "Kitdesk", timeout: float = 30.0) -> x11.TopLevel:
    """``app``'s window named ``name``; if it never comes, the error says where the
    launch stands (``App.stuck_report``)."""
    try:
        return x11.wait_for_window(app.display, name, timeout)
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}\n{app.stuck_report()}") from None


def dev_command() -> list[str]:
    """Kitdesk from the source tree, as `make run` starts it."""
    return [sys.executable, "-m", "kitdesk"]


def attach(
    app: App,
    timeout: float = 60.0,
    *,
    quick: bool = False,
    other_than: frozenset[str] = frozenset(),
) -> cdp.Page:
    """Connect to the page a main window (or with ``quick``, the quick-ask window) shows
    once it is the app (not the blank loading page); ``other_than`` skips pages (by
    ``target_id``) already attached to, to reach another main window."""
    deadline = time.monotonic() + timeout
    while True:
        if app.proc.poll() is not None:
            raise RuntimeError(f"kitdesk exited ({app.proc.returncode}):\n{app.output()[-3000:]}")
        try:
            return cdp.Page.attach(
                app.cdp_port, "http://127.0.0.1:", timeout=0.5, quick=quick, other_than=other_than
            )
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


def wait_interactive(page: cdp.Page, timeout: float = 60.0) -> None:
    """The composer is on screen and accepts typing."""
    visible = page.query(COMPOSER, ".offsetParent !== null && !el.disabled")
    try:
        page.wait_for(visible, timeout, "an enabled composer")
    except TimeoutError as exc:
        try:
            shown = page.text()[:1500]
        except Exception as text_error:
            shown = f"(page text unavailable: {text_error})"
        raise TimeoutError(f"{exc}; the page shows:\n{shown}") from None


def wait_for_bridge(page: cdp.Page, timeout: float = 30.0) -> None:
    """pywebview fills in ``window.pywebview.api`` after the page has loaded (all its
    functions at once), which can come after the composer is interactive."""
    page.wait_for("Object.keys(window.pywebview?.api ?? {}).length > 0", timeout, "the bridge")


def send_message(page: cdp.Page, text: str) -> None:
    """Click into the composer, type and press Enter, as a person would."""
    page.click(COMPOSER)
    page.type_text(text)
    page.press_enter()


@contextlib.contextmanager
def window_display(
    *, qt: bool = True, screenshots: bool = False, width: int = 1280, height: int = 800
) -> Iterator[str]:
    """An Xvfb display to launch Kitdesk windows on, once the system parts they
    need are known to be there (a skip locally, a failure under CI=true)."""
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (tests/system-deps.sh)")
    require(shutil.which("dbus-run-session") is not None, "dbus-run-session is not installed")
    if screenshots:
        require(shutil.which("import") is not None, "ImageMagick's import is not installed")
    if qt:
        try:
            import PyQt6.QtWebEngineWidgets  # noqa: F401  # pyright: ignore[reportUnusedImport]
        except ImportError:
            require(False, "Qt WebEngine is not installed (pip install -e '.[qt]')")
    with x11.xvfb(width, height) as name:
        yield name
