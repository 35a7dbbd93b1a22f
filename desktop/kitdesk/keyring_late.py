"""A Secret Service that came after the keyring library made its choice.

The library chooses its backend once per process (``keyring.core`` keeps its
choice and ``keyring.backend.get_all_keyring`` runs once). If the session bus
did not answer at that moment (a login keyring started after Kitdesk, a D-Bus
call that timed out on a busy machine), keys could not be stored until Kitdesk
was restarted. ``keys.usable_backend`` calls this when it finds no usable
backend: ``presence()`` asks the bus (cheaply) and says nothing when the person
chose a backend themselves (``PYTHON_KEYRING_BACKEND``, keyring's config file).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kitdesk.keyring_presence import presence

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

# How often, at most, to look for a Secret Service that came after the library chose.
LATE_LOOK_SECONDS = 2.0
_last_look = [float("-inf")]


def secret_service_come_late(
    available: Callable[[keyring.backend.KeyringBackend], bool],
) -> keyring.backend.KeyringBackend | None:
    """The Secret Service, made the library's backend, when the bus offers it now;
    ``available`` is keys' own check that a backend answers."""
    now = time.monotonic()
    if now - _last_look[0] < LATE_LOOK_SECONDS:
        return None
    _last_look[0] = now
    offered = presence()
    if offered is None or not offered.usable:
        return None
    import keyring.core
    from keyring.backends import SecretService

    candidate = SecretService.Keyring()
    if not available(candidate):
        return None
    keyring.core.set_keyring(candidate)
    log.info("the Secret Service is there now; keys are stored in it")
    return candidate
