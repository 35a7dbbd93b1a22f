"""API keys in the operating system's keyring.

One entry per provider under the service ``kitdesk``. Keys are write-only
through the HTTP API: the UI can set, replace or delete a key and learn only
whether one exists and where it comes from. ``OPENAI_API_KEY`` is honoured
read-only for the built-in "environment" provider. With no usable keyring
backend we say so and never fall back to plaintext.

Only the operating systems' keyrings count as usable (``TRUSTED_BACKENDS``):
the ``keyring`` library would otherwise pick whatever is installed with the
highest priority, such as keyrings.alt's plaintext file, or chain it behind
the Secret Service so a write that the locked Secret Service refuses lands in
plaintext. A chainer is used only through its trusted members, never chained.

This is the only module that reads or writes secrets. Nothing here logs a key
or puts one in an exception message.

The keyring library is imported on the first key read or write: choosing a
backend imports every installed one (SecretStorage brings ``cryptography``),
about 8 MiB and 300 ms that an idle server showing the chat does not need.
Until then ``keyring_status`` asks ``keyring_presence.py``, which predicts the
library's answer from the D-Bus session bus.

Reading a secret from the Secret Service costs a D-Bus session and a key
exchange (about 25 ms here), and every chat turn needs the key, so keys that
were found are remembered in memory for a few minutes. Writes go through this
class and update that memory at once; a change made outside Kitdesk (in
Seahorse, say) is seen when the entry expires.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kitdesk.keyring_late import secret_service_come_late
from kitdesk.keyring_presence import presence
from kitdesk.logs import register_secret

if TYPE_CHECKING:
    import keyring.backend
    import keyring.errors

log = logging.getLogger(__name__)

SERVICE = "kitdesk"
ENV_PROVIDER_ID = "environment"
# Real keys are 40-200 characters; Azure AD tokens reach a few thousand.
MAX_KEY_LENGTH = 4096
KEY_MEMORY_SECONDS = 300.0

KeySource = Literal["keyring", "environment", "none"]

NO_KEYRING_HELP = (
    "No usable system keyring was found, so Kitdesk cannot store API keys safely. "
    "On Linux install and unlock a Secret Service (GNOME Keyring or KWallet); "
    "or set the OPENAI_API_KEY environment variable before starting Kitdesk."
)
LOCKED_KEYRING_HELP = (
    "The system keyring is locked, so Kitdesk cannot read or store API keys. "
    "Unlock it (on Linux, log in to your desktop session or open Passwords and Keys) "
    "and try again."
)
ENV_KEY_IS_READ_ONLY = (
    "The environment provider's key comes from the OPENAI_API_KEY environment variable; "
    "change it there and restart Kitdesk."
)


class KeyringUnavailable(Exception):
    """The keyring cannot store secrets; the message says how to fix it."""

    def __init__(self, message: str = NO_KEYRING_HELP) -> None:
        super().__init__(message)


class InvalidKey(ValueError):
    """The text given as a key cannot be one; the message says why (never echoing it)."""


class ReadOnlyKey(ValueError):
    """The key comes from the environment and cannot be changed from the app."""

    def __init__(self) -> None:
        super().__init__(ENV_KEY_IS_READ_ONLY)


@dataclass(frozen=True)
class KeyStatus:
    has_key: bool
    source: KeySource


@dataclass(frozen=True)
class KeyringStatus:
    backend: str
    usable: bool
    message: str | None  # how to fix it, when not usable


# The operating systems' own keyrings, by class: Secret Service (GNOME Keyring,
# KeePassXC...) directly or through libsecret, KWallet, the macOS Keychain and
# the Windows Credential Locker. Anything else (plaintext or "encrypted" files,
# null, fail, an unknown plugin) is refused.
TRUSTED_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
    }
)


def _class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def is_trusted(backend: keyring.backend.KeyringBackend) -> bool:
    return any(_class_name(cls) in TRUSTED_BACKENDS for cls in type(backend).__mro__)


# Whether a backend can be used, per backend object: (backend, when asked, answer).
# The Secret Service answers by opening a D-Bus connection, and every chat turn
# and proxied ChatKit request reads a key, so reads accept an answer a few
# seconds old; writes and the status the UI shows always ask. A backend swapped
# in (keyring.set_keyring) is a new object and is asked at once.
_AVAILABILITY_SECONDS = 5.0
_availability: dict[int, tuple[keyring.backend.KeyringBackend, float, bool]] = {}


def _available(backend: keyring.backend.KeyringBackend, *, recent_ok: bool = False) -> bool:
    now = time.monotonic()
    known = _availability.get(id(backend))
    if (
        recent_ok
        and known is not None
        and known[0] is backend
        and 0 <= now - known[1] < _AVAILABILITY_SECONDS
    ):
        return known[2]
    try:
        # Secret Service answers this by asking D-Bus; it raises when absent.
        available = bool(backend.priority > 0)  # type: ignore[operator]
    except Exception:
        available = False
    _availability[id(backend)] = (backend, now, available)
    return available


def _library_loaded() -> bool:
    """True once the keyring library has chosen (or been given) a backend."""
    core = sys.modules.get("keyring.core")
    return core is not None and getattr(core, "_keyring_backend", None) is not None


def _selected() -> keyring.backend.KeyringBackend | None:
    """The keyring library's choice, or None when the backend it was told to use
    cannot start (``PYTHON_KEYRING_BACKEND`` naming Secret Service on a machine
    without D-Bus raises RuntimeError from deep inside the library)."""
    import keyring  # here, not at the top: see the module's docstring

    try:
        return keyring.get_keyring()
    except Exception as exc:
        log.warning("the keyring backend could not start (%s)", type(exc).__name__)
        return None


def usable_backend(*, recent_ok: bool = False) -> keyring.backend.KeyringBackend | None:
    """The OS keyring Kitdesk uses, or None: the selected backend if it is trusted,
    else a chainer's highest-priority trusted member (used alone). ``recent_ok``
    accepts an availability answer a few seconds old (for reads)."""
    backend = _selected()
    if backend is None:
        return secret_service_come_late(_available)
    import keyring.backends.chainer

    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        members: list[keyring.backend.KeyringBackend] = list(backend.backends)
        found = next(
            (m for m in members if is_trusted(m) and _available(m, recent_ok=recent_ok)), None
        )
    elif is_trusted(backend) and _available(backend, recent_ok=recent_ok):
        found = backend
    else:
        found = None
    return found or secret_service_come_late(_available)


def backend_name() -> str:
    backend = usable_backend() or _selected()
    return _class_name(type(backend)) if backend is not None else "none (could not start)"


def backend_is_usable() -> bool:
    """False for plaintext, null, fail and unknown backends (see TRUSTED_BACKENDS)."""
    return usable_backend() is not None


def keyring_status() -> KeyringStatus:
    """Whether keys can be stored; before the first key is used, predicted without
    loading the keyring library when that gives the same answer."""
    predicted = None if _library_loaded() else presence()
    if predicted is not None:
        backend, usable = predicted.backend, predicted.usable
    else:
        backend, usable = backend_name(), backend_is_usable()
    return KeyringStatus(
        backend=backend, usable=usable, message=None if usable else NO_KEYRING_HELP
    )


def normalize_key(raw: str) -> str:
    """Trim a pasted key and reject text that cannot be a key."""
    key = raw.strip()
    if not key:
        raise InvalidKey("The API key is empty. Paste the key from your provider's dashboard.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(
            f"That is too long to be an API key (more than {MAX_KEY_LENGTH:,} characters). "
            "Paste only the key."
        )
    if any(ch in key for ch in "\r\n"):
        raise InvalidKey("The API key must be on one line. Paste only the key.")
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        raise InvalidKey("The API key contains spaces or invisible characters. Paste only the key.")
    return key


def header_secret_name(provider_id: str, header: str) -> str:
    """The keyring entry holding one request header's value for one provider
    (a ChatKit server's ``X-Api-Key``, say); distinct from the provider's key."""
    return f"{provider_id}/header/{header.lower()}"


def normalize_header_value(raw: str) -> str:
    """Trim a header value; it may hold spaces ("Bearer …") but not line breaks."""
    value = raw.strip()
    if not value:
        raise InvalidKey("The header value is empty.")
    if len(value) > MAX_KEY_LENGTH:
        raise InvalidKey(f"The header value is longer than {MAX_KEY_LENGTH:,} characters.")
    if any(not ch.isprintable() for ch in value) or not value.isascii():
        raise InvalidKey(
            "The header value must be one line of plain ASCII text without invisible characters."
        )
    return value


def _unavailable(exc: keyring.errors.KeyringError) -> KeyringUnavailable:
    import keyring.errors

    if isinstance(exc, keyring.errors.KeyringLocked):
        return KeyringUnavailable(LOCKED_KEYRING_HELP)
    log.warning("keyring error: %s", type(exc).__name__)
    return KeyringUnavailable()


class KeyStore:
    """Reads and writes provider keys; the only module that touches secrets."""

    def __init__(
        self,
        service: str = SERVICE,
        *,
        memory_seconds: float = KEY_MEMORY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self._memory_seconds = memory_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._found: dict[str, tuple[float, str]] = {}  # provider id -> (when read, key)
        # Bumped by every write, so a slow read that raced a write is not remembered.
        self._generation = 0

    def get(self, provider_id: str) -> str | None:
        if provider_id == ENV_PROVIDER_ID:
            return os.environ.get("OPENAI_API_KEY") or None
        backend = usable_backend(recent_ok=True)
        if backend is None:
            return None
        with self._lock:
            found = self._found.get(provider_id)
            generation = self._generation
        if found is not None and 0 <= self._clock() - found[0] < self._memory_seconds:
            return found[1]

        try:
            key = backend.get_password(self.service, provider_id)
        except Exception as exc:
            # KeyringError, an OSError when the bus went away within the availability
            # answer's few seconds, SecretStorage's own errors (a dismissed unlock
            # prompt): the key cannot be read now, which the turn reports in words.
            log.warning("could not read a key from the keyring: %s", type(exc).__name__)
            return None
        with self._lock:
            if generation == self._generation:
                if key:
                    self._found[provider_id] = (self._clock(), key)
                else:
                    # Not remembered: a key added outside Kitdesk shows up at once.
                    self._found.pop(provider_id, None)
        return key or None

    def _remember(self, provider_id: str, key: str | None) -> None:
        with self._lock:
            self._generation += 1
            if key is None:
                self._found.pop(provider_id, None)
            else:
                self._found[provider_id] = (self._clock(), key)
                register_secret(key)  # whatever its shape, never in a log record

    def status(self, provider_id: str) -> KeyStatus:
        if provider_id == ENV_PROVIDER_ID:
            present = bool(os.environ.get("OPENAI_API_KEY"))
            return KeyStatus(has_key=present, source="environment" if present else "none")
        present = self.get(provider_id) is not None
        return KeyStatus(has_key=present, source="keyring" if present else "none")

    def set(
        self, provider_id: str, key: str, *, normalize: Callable[[str], str] = normalize_key
    ) -> None:
        """Store (or replace) a key; raises InvalidKey, ReadOnlyKey or KeyringUnavailable.

        ``normalize`` checks and trims the value (MCP secrets such as ``Bearer abc``
        may hold spaces, API keys may not) and raises a ValueError saying why.
        """
        if provider_id == ENV_PROVIDER_ID:
            raise ReadOnlyKey()
        self._store(provider_id, normalize(key))

    def get_header(self, provider_id: str, header: str) -> str | None:
        return self.get(header_secret_name(provider_id, header))

    def remembered_header(self, provider_id: str, header: str) -> str | None:
        """A header's value from memory alone, None when it is not remembered (then
        ``get_header`` asks the keyring).

        Safe on the event loop: unlike ``get``, it does not first ask whether the
        keyring is still usable (for the Secret Service that check alone opens a D-Bus
        connection), so a value read while it was usable is sent until it expires."""
        with self._lock:
            found = self._found.get(header_secret_name(provider_id, header))
        if found is not None and 0 <= self._clock() - found[0] < self._memory_seconds:
            return found[1]
        return None

    def set_header(self, provider_id: str, header: str, value: str) -> None:
        """Store a request header's secret value; raises InvalidKey or KeyringUnavailable."""
        if provider_id == ENV_PROVIDER_ID:
            raise ReadOnlyKey()
        self._store(header_secret_name(provider_id, header), normalize_header_value(value))

    def delete_header(self, provider_id: str, header: str) -> bool:
        return self.delete(header_secret_name(provider_id, header))

    def _store(self, provider_id: str, key: str) -> None:
        backend = usable_backend()
        if backend is None:
            raise KeyringUnavailable()
        self._remember(provider_id, None)
        import keyring.errors  # loaded already by usable_backend()

        try:
            backend.set_password(self.service, provider_id, key)
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from None
        self._remember(provider_id, key)

    def delete(self, provider_id: str) -> bool:
        """Remove the key; False when there was none."""
        if provider_id == ENV_PROVIDER_ID:
            raise ReadOnlyKey()
        backend = usable_backend()
        if backend is None:
            raise KeyringUnavailable()
        self._remember(provider_id, None)
        import keyring.errors  # loaded already by usable_backend()

        try:
            backend.delete_password(self.service, provider_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from None
        return True
