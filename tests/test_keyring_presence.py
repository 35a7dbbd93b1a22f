"""Before the first key is used, whether a keyring is there is predicted from the
D-Bus session bus (kitdesk/keyring_presence.py) without loading the keyring
library; the prediction must be the library's own answer.

Each case runs against a real bus: a private dbus-daemon, with a real
gnome-keyring-daemon offering the Secret Service or with nothing on it, and
then lets the keyring library choose as it does on a person's machine to
compare.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring.backend
import keyring.core
import pytest
from kitdesk.keyring_presence import NO_SESSION_BUS, PREDICTED_BACKEND, presence
from kitdesk.keys import NO_KEYRING_HELP, KeyringStatus, keyring_status

from tests.conftest import require
from tests.test_keyring_backends import forget_known_backends
from tests.test_keyring_secret_service import SecretService, _stop_forked
from tests.test_keyring_secret_service import secret_service as secret_service  # fixture

pytestmark = pytest.mark.keyring

UNUSABLE_WITHOUT_BUS = KeyringStatus(backend=NO_SESSION_BUS, usable=False, message=NO_KEYRING_HELP)

# A session bus that can start nothing: no service folders, so no Secret Service.
BARE_BUS_CONFIG = """<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def library_not_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """As in a fresh process: the library has chosen no backend yet, and has no config."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setattr(keyring.backend, "_limit", None)  # init_backend below sets it
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-keyring-config"))
    forget_known_backends()
    yield
    forget_known_backends()


def _library_answer() -> KeyringStatus:
    """What the keyring library says once it has chosen (as on the first key use),
    among its own backends: the tests' in-memory ones stay out of the choice."""
    forget_known_backends()
    keyring.core.init_backend(lambda backend: type(backend).__module__.startswith("keyring."))
    return keyring_status()


@pytest.fixture
def bare_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    require(shutil.which("dbus-daemon") is not None, "dbus-daemon not installed (apt install dbus)")
    folder = tmp_path / "bus"
    folder.mkdir()
    config = tmp_path / "bare-bus.conf"
    config.write_text(BARE_BUS_CONFIG.format(folder=folder))
    started = subprocess.run(
        ["dbus-daemon", f"--config-file={config}", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    address, bus_pid = started.stdout.split()[:2]
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        _stop_forked(int(bus_pid))


def test_a_running_secret_service_is_predicted_as_the_library_finds_it(
    secret_service: SecretService,
    library_not_loaded: None,  # after secret_service, which hands the library a backend
) -> None:
    predicted = keyring_status()
    assert predicted == KeyringStatus(backend=PREDICTED_BACKEND, usable=True, message=None)
    assert keyring.core._keyring_backend is None  # answered without the library
    assert _library_answer() == predicted


@pytest.mark.usefixtures("library_not_loaded")
def test_without_a_session_bus_the_sentence_comes_without_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    assert keyring_status() == UNUSABLE_WITHOUT_BUS
    assert keyring.core._keyring_backend is None
    library = _library_answer()
    assert (library.usable, library.message) == (False, NO_KEYRING_HELP)


@pytest.mark.usefixtures("library_not_loaded")
def test_a_bus_address_that_leads_nowhere_gets_the_same_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    assert keyring_status() == UNUSABLE_WITHOUT_BUS
    library = _library_answer()
    assert (library.usable, library.message) == (False, NO_KEYRING_HELP)


def test_a_bus_without_a_secret_service_is_left_to_the_library(
    bare_bus: str, library_not_loaded: None
) -> None:
    # KWallet could still answer there: only the library can tell.
    assert presence() is None
    status = _library_answer()
    assert (status.usable, status.message) == (False, NO_KEYRING_HELP)


@pytest.mark.usefixtures("library_not_loaded")
def test_a_backend_chosen_for_the_library_is_left_to_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    assert presence() is None
    assert keyring_status().backend == "keyring.backends.null.Keyring"
    assert not keyring_status().usable

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    config = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert presence() is None
    assert keyring_status().backend == "keyring.backends.null.Keyring"
