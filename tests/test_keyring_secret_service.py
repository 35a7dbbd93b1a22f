"""Keys through the HTTP API into a real Secret Service.

Each test starts a private D-Bus session bus and gnome-keyring-daemon (its
login collection created and unlocked with a throwaway password), points the
keyring library's SecretService backend at it, and reads secrets back with
``secret-tool`` (libsecret), independently of our code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.SecretService
import pytest
from kitdesk.keys import NO_KEYRING_HELP, SERVICE, backend_is_usable
from kitdesk.paths import Paths

from tests.api_harness import ApiHarness, api_harness
from tests.conftest import require

pytestmark = pytest.mark.keyring

FIRST_KEY = "sk-proj-Secret1Service2Test3Key4aaaa"
SECOND_KEY = "sk-proj-Replaced5Key6For7Test8bbbb"
KEYRING_PASSWORD = "kitdesk-test-password"


@dataclass
class SecretService:
    env: dict[str, str]

    def lookup(self, provider_id: str) -> str | None:
        """What libsecret's own CLI finds for this provider, or None."""
        found = subprocess.run(
            ["secret-tool", "lookup", "service", SERVICE, "username", provider_id],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return found.stdout if found.returncode == 0 and found.stdout else None

    def store(self, provider_id: str, secret: str) -> None:
        subprocess.run(
            ["secret-tool", "store", "--label=test", "service", SERVICE, "username", provider_id],
            env=self.env,
            input=secret,
            text=True,
            timeout=10,
            check=True,
        )


def _stop_forked(pid: int) -> None:
    """Stop a daemon that forked away from us (not our child: poll until it is gone)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.02)


def _running(pid: int) -> bool:
    """True until the process exits; a zombie waiting for init to reap it has exited."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretService]:
    tools = ("dbus-daemon", "gnome-keyring-daemon", "secret-tool")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    require(
        not missing,
        f"{', '.join(missing)} not installed (apt install dbus gnome-keyring libsecret-tools)",
    )
    base = tmp_path / "xdg"
    dirs = {
        "XDG_DATA_HOME": base / "data",
        "XDG_RUNTIME_DIR": base / "run",
        "XDG_CACHE_HOME": base / "cache",
        "XDG_CONFIG_HOME": base / "config",
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, mode=0o700)
    env = {**os.environ, **{name: str(folder) for name, folder in dirs.items()}}

    started = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    address, bus_pid = started.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert daemon.stdin is not None
    daemon.stdin.write(KEYRING_PASSWORD.encode())
    daemon.stdin.close()

    for name, value in env.items():
        if name.startswith(("XDG_", "DBUS_")):
            monkeypatch.setenv(name, value)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.SecretService.Keyring())
    try:
        deadline = time.monotonic() + 10
        while not backend_is_usable():
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gnome-keyring-daemon did not offer the Secret Service")
            time.sleep(0.05)
        yield SecretService(env=env)
    finally:
        keyring.set_keyring(previous)
        daemon.terminate()
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=5)
        _stop_forked(int(bus_pid))


@pytest.fixture
async def api(kitdesk_home: Paths, secret_service: SecretService) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


async def test_set_replace_and_delete_land_in_the_secret_service(
    api: ApiHarness, secret_service: SecretService, tmp_path: Path
) -> None:
    info = (await api.client.get("/api/app")).json()
    assert info["keyring"] == {
        "backend": "keyring.backends.SecretService.Keyring",
        "usable": True,
        "message": None,
    }
    await api.client.post("/api/providers", json={"kind": "openai"})
    seen = []

    put = await api.client.put("/api/providers/openai/key", json={"key": f" {FIRST_KEY} "})
    assert put.status_code == 200
    assert put.json()["key"] == {"has_key": True, "source": "keyring"}
    assert secret_service.lookup("openai") == FIRST_KEY
    seen.append(put)

    replaced = await api.client.put("/api/providers/openai/key", json={"key": SECOND_KEY})
    assert replaced.status_code == 200
    assert secret_service.lookup("openai") == SECOND_KEY
    seen.append(replaced)

    for path in ("/api/providers", "/api/settings", "/api/app", "/api/health"):
        seen.append(await api.client.get(path))
    assert seen[2].json()[0]["key"] == {"has_key": True, "source": "keyring"}
    for response in seen:
        assert FIRST_KEY not in response.text
        assert SECOND_KEY not in response.text

    deleted = await api.client.delete("/api/providers/openai/key")
    assert deleted.status_code == 200
    assert deleted.json()["key"] == {"has_key": False, "source": "none"}
    assert secret_service.lookup("openai") is None

    # Neither key is in any file: not settings, not SQLite, not even
    # gnome-keyring's own (encrypted) store.
    await api.services.store.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert FIRST_KEY.encode() not in data, path
            assert SECOND_KEY.encode() not in data, path


async def test_a_key_stored_outside_kitdesk_is_found_and_removed_with_its_provider(
    api: ApiHarness, secret_service: SecretService
) -> None:
    await api.client.post("/api/providers", json={"kind": "openrouter"})
    secret_service.store("openrouter", FIRST_KEY)
    listed = (await api.client.get("/api/providers")).json()
    assert listed[0]["key"] == {"has_key": True, "source": "keyring"}
    assert api.services.keys.get("openrouter") == FIRST_KEY

    removed = await api.client.delete("/api/providers/openrouter")
    assert removed.json() == {"deleted": "openrouter", "key_deleted": True}
    assert secret_service.lookup("openrouter") is None


async def test_with_no_session_bus_the_api_says_how_to_fix_it(
    api: ApiHarness, secret_service: SecretService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await api.client.post("/api/providers", json={"kind": "openai"})
    # The SecretService backend is still selected, but there is no bus to reach.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    response = await api.client.put("/api/providers/openai/key", json={"key": FIRST_KEY})
    assert response.status_code == 503
    assert api.error(response) == {"code": "keyring_unavailable", "message": NO_KEYRING_HELP}
    info = (await api.client.get("/api/app")).json()
    assert info["keyring"]["usable"] is False
    assert info["keyring"]["message"] == NO_KEYRING_HELP
    assert info["needs_onboarding"] is True


async def test_the_fail_backend_gets_a_503_with_fix_it_text(
    api: ApiHarness,
    secret_service: SecretService,
    kitdesk_home: Paths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await api.client.post("/api/providers", json={"kind": "openai"})
    # Chosen by the person, as keyring documents it: a Secret Service that is
    # there anyway is then left alone (test_keyring_late.py: not when the library
    # merely missed it).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(keyring.backends.fail.Keyring())
    for response in (
        await api.client.put("/api/providers/openai/key", json={"key": FIRST_KEY}),
        await api.client.delete("/api/providers/openai/key"),
    ):
        assert response.status_code == 503
        assert api.error(response) == {"code": "keyring_unavailable", "message": NO_KEYRING_HELP}
    info = (await api.client.get("/api/app")).json()
    assert info["keyring"] == {
        "backend": "keyring.backends.fail.Keyring",
        "usable": False,
        "message": NO_KEYRING_HELP,
    }
    # Refused means refused: no plaintext copy anywhere in Kitdesk's files.
    await api.services.store.close()
    for path in kitdesk_home.data_dir.parent.rglob("*"):
        if path.is_file():
            assert FIRST_KEY.encode() not in path.read_bytes(), path
