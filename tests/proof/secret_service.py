"""A real Secret Service (gnome-keyring on a private D-Bus) for a served process.

The same pattern as tests/test_keyring_secret_service.py, but handing out the
environment a subprocess needs, and able to lock the keyring or stop the
daemon mid-session (the keyring faults).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require

PASSWORD = "kitdesk-proof-password"
SERVICE = "kitdesk"


@dataclass
class SecretServiceDaemon:
    env: dict[str, str]  # XDG_* and DBUS_SESSION_BUS_ADDRESS for the served process
    daemon: subprocess.Popen[bytes]

    def _run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            env={**os.environ, **self.env},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )

    def lookup(self, provider_id: str) -> str | None:
        found = self._run("secret-tool", "lookup", "service", SERVICE, "username", provider_id)
        return found.stdout if found.returncode == 0 and found.stdout else None

    def lock(self) -> None:
        """Lock every collection, as a screen lock or ``secret-tool lock`` does."""
        locked = self._run(
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        )
        assert locked.returncode == 0, locked.stderr

    def unlock(self) -> None:
        """Unlock the login collection again (gnome-keyring's own control socket)."""
        unlocked = self._run(
            "gnome-keyring-daemon",
            "--replace",
            "--unlock",
            "--components=secrets",
            stdin=PASSWORD,
        )
        assert unlocked.returncode == 0, unlocked.stderr

    def start_again(self) -> None:
        """A new daemon on the same bus, with the same keyring files (unlocked)."""
        self.stop()
        self.daemon = _start_daemon(self.env)
        deadline = time.monotonic() + 10
        while self._run("secret-tool", "search", "service", "none").returncode not in (0, 1):
            if time.monotonic() > deadline:
                raise RuntimeError("gnome-keyring-daemon did not come back")
            time.sleep(0.05)

    def stop(self) -> None:
        """The keyring daemon goes away (crashed, or the session ended)."""
        if self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(timeout=10)


def _start_daemon(env: dict[str, str]) -> subprocess.Popen[bytes]:
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert daemon.stdin is not None
    daemon.stdin.write(PASSWORD.encode())
    daemon.stdin.close()
    return daemon


def _stop_forked(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return
        if state == "Z":
            return
        time.sleep(0.02)


@contextlib.contextmanager
def secret_service_daemon(base: Path) -> Iterator[SecretServiceDaemon]:
    tools = ("dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    require(not missing, f"{', '.join(missing)} not installed (apt install dbus gnome-keyring)")
    dirs = {
        "XDG_DATA_HOME": base / "data",
        "XDG_RUNTIME_DIR": base / "run",
        "XDG_CACHE_HOME": base / "cache",
        "XDG_CONFIG_HOME": base / "config",
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, mode=0o700)
    env = {name: str(folder) for name, folder in dirs.items()}
    started = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    address, bus_pid = started.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = _start_daemon(env)
    service = SecretServiceDaemon(env=env, daemon=daemon)
    try:
        deadline = time.monotonic() + 10
        while service._run("secret-tool", "search", "service", "none").returncode not in (0, 1):
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gnome-keyring-daemon did not offer the Secret Service")
            time.sleep(0.05)
        yield service
    finally:
        service.stop()
        _stop_forked(int(bus_pid))
