"""``kitdesk --self-test``: is this installation healthy? No window is opened.

Checks, in order: the web UI files are present (index.html and every asset it
references), the keyring backend is a real one, the server starts on a free
loopback port and answers its health route with the launch token, and a fresh
database opens and migrates. Everything runs in a temporary folder, so the
user's data is never touched. Prints one line per check; exit code 0 when all
pass. Packagers run it on the frozen bundle (see build/README.md).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from kitdesk.paths import Paths, resolve_paths

HEALTH_TIMEOUT = 60.0  # the route waits for the app build, slow on a cold first start
_ASSET_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"'#?]+)""")


class CheckFailed(Exception):
    """A self-test check failed; the message says what is wrong."""


def webui_dir() -> Path:
    return Path(__file__).with_name("webui_dist")


def check_webui(folder: Path | None = None) -> str:
    folder = folder or webui_dir()
    index = folder / "index.html"
    if not index.is_file():
        raise CheckFailed(f"the web UI is missing: {index} does not exist")
    html = index.read_text(encoding="utf-8")
    local = [
        ref
        for ref in _ASSET_REF.findall(html)
        if not re.match(r"^[a-z][a-z0-9+.-]*:|^//", ref, re.IGNORECASE)
        # The page preloads the server's first answer (api/app), not a file.
        and not ref.startswith(("api/", "./api/"))
    ]
    missing = [ref for ref in local if not (folder / ref.lstrip("./")).is_file()]
    if missing:
        raise CheckFailed(f"the web UI is incomplete: missing {', '.join(missing)}")
    if not any(ref.endswith(".js") for ref in local):
        raise CheckFailed("the web UI's index.html references no script")
    return f"{len(local)} referenced files present in {folder}"


def check_keyring() -> str:
    from kitdesk.keys import NO_KEYRING_HELP, backend_is_usable, backend_name

    name = backend_name()
    if not backend_is_usable():
        raise CheckFailed(f"no usable keyring backend (got {name}). {NO_KEYRING_HELP}")
    return name


def check_server(paths: Paths) -> str:
    from kitdesk.web.server import start_server

    server = start_server(paths)
    try:
        request = urllib.request.Request(  # noqa: S310 - a fixed http://127.0.0.1 URL
            f"{server.base_url}/api/health",
            headers={"Authorization": f"Bearer {server.token}"},
        )
        with urllib.request.urlopen(request, timeout=HEALTH_TIMEOUT) as response:  # noqa: S310
            status = response.status
            body = response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", "replace")
        raise CheckFailed(f"the health route answered {exc.code}: {detail}") from None
    except OSError as exc:
        raise CheckFailed(f"the health route did not answer: {exc}") from None
    finally:
        stopped = server.stop(timeout=5.0)
    if status != 200:
        raise CheckFailed(f"the health route answered {status}: {body}")
    if not stopped:
        raise CheckFailed("the server did not stop within 5 s")
    return f"GET /api/health -> {status} on port {server.port}"


def check_database(folder: Path) -> str:
    from kitdesk.store.sqlite import SQLiteStore

    store = SQLiteStore(folder / "selftest.db", folder / "attachments")
    try:
        state = store.check()
    finally:
        store.close_sync()
    if state != "ok":
        raise CheckFailed(f"the database check failed: {state}")
    return "opened and migrated a new database"


def _console() -> None:
    """Windowed Windows builds start with no stdout: borrow the parent console if there is one."""
    if sys.stdout is not None or sys.platform != "win32":
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # type: ignore[attr-defined]  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")
        sys.stderr = sys.stdout


def _say(line: str) -> None:
    if sys.stdout is not None:
        print(line, flush=True)


def run_self_test() -> int:
    """Run every check, print a line for each, and return 0 only if all passed."""
    _console()
    started = time.perf_counter()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="kitdesk-selftest-") as tmp:
        root = Path(tmp)
        paths = resolve_paths(root / "home").create()
        checks: list[tuple[str, Callable[[], str]]] = [
            ("web UI", check_webui),
            ("keyring", check_keyring),
            ("server", lambda: check_server(paths)),
            ("database", lambda: check_database(root / "db")),
        ]
        for name, check in checks:
            try:
                detail = check()
            except CheckFailed as exc:
                failures += 1
                _say(f"FAIL {name}: {exc}")
            except Exception as exc:
                failures += 1
                _say(f"FAIL {name}: unexpected {type(exc).__name__}: {exc}")
            else:
                _say(f"ok   {name}: {detail}")
    elapsed = time.perf_counter() - started
    if failures:
        _say(f"self-test: {failures} check(s) failed ({elapsed:.1f} s)")
        return 1
    _say(f"self-test: all checks passed ({elapsed:.1f} s)")
    return 0
