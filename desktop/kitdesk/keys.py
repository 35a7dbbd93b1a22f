"""API keys in the operating system's keyring.

One entry per provider under the service ``kitdesk``. Keys are write-only
through the HTTP API: the UI can set, replace or delete a key and learn only
whether one exists and where it comes from. ``OPENAI_API_KEY`` is honoured
read-only for the built-in "environment" provider. With no usable keyring
backend we say so and never fall back to plaintext.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import keyring
import keyring.backend
import keyring.errors

SERVICE = "kitdesk"
ENV_PROVIDER_ID = "environment"

KeySource = Literal["keyring", "environment", "none"]

NO_KEYRING_HELP = (
    "No usable system keyring was found, so Kitdesk cannot store API keys safely. "
    "On Linux install and unlock a Secret Service (GNOME Keyring or KWallet); "
    "or set the OPENAI_API_KEY environment variable before starting Kitdesk."
)


class KeyringUnavailable(Exception):
    """The keyring cannot store secrets; the message says how to fix it."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(NO_KEYRING_HELP if detail is None else f"{NO_KEYRING_HELP} ({detail})")


@dataclass(frozen=True)
class KeyStatus:
    has_key: bool
    source: KeySource


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def backend_is_usable() -> bool:
    """False for the fail/null backends keyring picks when nothing real is available."""
    backend = keyring.get_keyring()
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    try:
        return backend.priority > 0  # type: ignore[operator]
    except Exception:
        return False


class KeyStore:
    """Reads and writes provider keys; the only module that touches secrets."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def get(self, provider_id: str) -> str | None:
        if provider_id == ENV_PROVIDER_ID:
            return os.environ.get("OPENAI_API_KEY") or None
        if not backend_is_usable():
            return None
        try:
            return keyring.get_password(self.service, provider_id)
        except keyring.errors.KeyringError:
            return None

    def status(self, provider_id: str) -> KeyStatus:
        if provider_id == ENV_PROVIDER_ID:
            present = bool(os.environ.get("OPENAI_API_KEY"))
            return KeyStatus(has_key=present, source="environment" if present else "none")
        present = self.get(provider_id) is not None
        return KeyStatus(has_key=present, source="keyring" if present else "none")

    def set(self, provider_id: str, key: str) -> None:
        if provider_id == ENV_PROVIDER_ID:
            raise ValueError("The environment provider's key comes from OPENAI_API_KEY.")
        if not backend_is_usable():
            raise KeyringUnavailable()
        try:
            keyring.set_password(self.service, provider_id, key)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from None

    def delete(self, provider_id: str) -> bool:
        """Remove the key; False when there was none."""
        if provider_id == ENV_PROVIDER_ID:
            raise ValueError("The environment provider's key comes from OPENAI_API_KEY.")
        if not backend_is_usable():
            raise KeyringUnavailable()
        try:
            keyring.delete_password(self.service, provider_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from None
        return True
