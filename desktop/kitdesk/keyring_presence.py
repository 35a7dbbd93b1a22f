"""Whether an OS keyring is there, answered without loading the keyring library.

The UI's first question (``GET /api/app``) includes "can keys be stored?".
Answering it through ``keyring.get_keyring()`` scans every installed package's
entry points and imports every backend, among them SecretStorage and with it
``cryptography``: about 300 ms and 8 MiB of an idle ``kitdesk serve`` that has
not touched a key yet. On Linux the answer is cheaper to get from the D-Bus
session bus itself (with ``jeepney``, which SecretStorage uses anyway; well
under 1 MiB): every trusted Linux backend (``keys.TRUSTED_BACKENDS``) needs
that bus, and the Secret Service the keyring library would pick is there when
``org.freedesktop.secrets`` is owned or activatable, which is exactly the
library's own check. ``keys.py`` loads the library on the first key read or
write as before, and from then on answers from it.

``presence()`` returns None whenever the cheap answer could differ from the
library's: a backend named by ``PYTHON_KEYRING_BACKEND`` or keyring's config
file, a platform other than Linux, or a bus without a Secret Service (KWallet
may still be there). The caller then asks the library.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PREDICTED_BACKEND = "keyring.backends.SecretService.Keyring"  # what the library picks then
NO_SESSION_BUS = "none (no D-Bus session bus)"
SERVICE_BUS_NAME = "org.freedesktop.secrets"  # the Secret Service API
BUS_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Presence:
    backend: str
    usable: bool


def _keyring_config_file() -> Path:
    """keyring's own config file (``keyring.util.platform_.config_root`` on Linux)."""
    root = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(root, "python_keyring", "keyringrc.cfg")


def _library_is_configured() -> bool:
    return bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or _keyring_config_file().exists()


def presence() -> Presence | None:
    """The keyring library's answer, predicted from the session bus; None when
    only the library itself can tell."""
    if not sys.platform.startswith("linux") or _library_is_configured():
        return None
    if (
        importlib.util.find_spec("secretstorage") is None
        or importlib.util.find_spec("jeepney") is None
    ):
        return None
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        # SecretStorage, libsecret and KWallet all find the bus through this variable.
        return Presence(NO_SESSION_BUS, usable=False)
    try:
        offered = _secret_service_on_bus()
    except Exception as exc:  # no bus to reach, or it would not talk to us
        log.info("no D-Bus session bus for the keyring (%s)", type(exc).__name__)
        return Presence(NO_SESSION_BUS, usable=False)
    return Presence(PREDICTED_BACKEND, usable=True) if offered else None


def _secret_service_on_bus() -> bool:
    """True when the Secret Service runs or D-Bus can start it (SecretStorage's
    ``check_service_availability``)."""
    from jeepney import DBus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus="SESSION", auth_timeout=BUS_TIMEOUT_SECONDS) as connection:
        bus = DBus()
        owned = connection.send_and_get_reply(
            bus.NameHasOwner(SERVICE_BUS_NAME), timeout=BUS_TIMEOUT_SECONDS
        ).body[0]
        if owned:
            return True
        activatable = connection.send_and_get_reply(
            bus.ListActivatableNames(), timeout=BUS_TIMEOUT_SECONDS
        ).body[0]
        return SERVICE_BUS_NAME in activatable
