"""Only the OS keyrings are used (kitdesk.keys.TRUSTED_BACKENDS).

The ``keyring`` library picks its backend here as it does on a person's
machine (``init_backend``: the environment variable, else the highest
priority among the installed backends, chaining several). The plaintext
backends below store secrets in a readable file, as keyrings.alt's do; the
in-memory backend of tests/conftest.py stands in for an OS keyring (the real
Secret Service is tested in test_keyring_secret_service.py).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.null
import keyring.core
import keyring.errors
import pytest
from jaraco.classes import properties
from kitdesk.keys import (
    NO_KEYRING_HELP,
    TRUSTED_BACKENDS,
    KeyringUnavailable,
    KeyStore,
    keyring_status,
)

from tests.conftest import MemoryKeyring

KEY = "sk-test-0123456789abcdefABCDEF"


class PlaintextFileKeyring(keyring.backend.KeyringBackend):
    """Secrets in a JSON file anyone who can read the file can read."""

    priority = 0.5  # type: ignore[assignment]
    path: Path = Path("/nonexistent")

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._load()
        secrets[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(secrets))

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._load()
        secrets.pop(f"{service}/{username}", None)
        self.path.write_text(json.dumps(secrets))


class ObscuredFileKeyring(PlaintextFileKeyring):
    """Another file backend (as keyrings.alt offers several)."""

    priority = 0.4  # type: ignore[assignment]


class LockedMemoryKeyring(MemoryKeyring):
    """A trusted keyring that is locked: writes fail."""

    priority = 2  # type: ignore[assignment]

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def plaintext_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "plaintext-keyring.json"
    monkeypatch.setattr(PlaintextFileKeyring, "path", path)
    forget_known_backends()  # so the library sees the backends defined in this module
    yield path
    forget_known_backends()
    keyring.backend._limit = None  # type: ignore[attr-defined]


def forget_known_backends() -> None:
    vars(keyring.backend.get_all_keyring).pop("saved_result", None)


def select(*classes: type[keyring.backend.KeyringBackend]) -> keyring.backend.KeyringBackend:
    """Let the keyring library choose among ``classes`` (and its chainer) as it would."""
    keyring.core.init_backend(lambda backend: type(backend) in classes)
    return keyring.get_keyring()


def test_a_plaintext_backend_is_refused_with_the_sentence(plaintext_file: Path) -> None:
    assert isinstance(select(PlaintextFileKeyring), PlaintextFileKeyring)
    status = keyring_status()
    assert (status.usable, status.message) == (False, NO_KEYRING_HELP)
    with pytest.raises(KeyringUnavailable, match="No usable system keyring"):
        KeyStore().set("openai", KEY)
    assert not plaintext_file.exists()


def test_a_chainer_of_only_plaintext_backends_is_refused(plaintext_file: Path) -> None:
    chosen = select(
        PlaintextFileKeyring, ObscuredFileKeyring, keyring.backends.chainer.ChainerBackend
    )
    assert isinstance(chosen, keyring.backends.chainer.ChainerBackend)
    assert not keyring_status().usable
    with pytest.raises(KeyringUnavailable):
        KeyStore().set("openai", KEY)
    assert not plaintext_file.exists()


def test_the_null_backend_named_in_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    keyring.core.init_backend()
    assert isinstance(keyring.get_keyring(), keyring.backends.null.Keyring)
    assert not keyring_status().usable
    with pytest.raises(KeyringUnavailable):
        KeyStore().set("openai", KEY)


def test_a_chainer_uses_only_its_os_keyring_never_the_plaintext_one(
    plaintext_file: Path,
) -> None:
    chosen = select(MemoryKeyring, PlaintextFileKeyring, keyring.backends.chainer.ChainerBackend)
    assert isinstance(chosen, keyring.backends.chainer.ChainerBackend)
    keys = KeyStore()
    keys.set("openai", KEY)
    assert KeyStore().get("openai") == KEY
    assert keyring_status().backend == "tests.conftest.MemoryKeyring"
    assert not plaintext_file.exists()


def test_a_locked_os_keyring_in_a_chainer_does_not_fall_through_to_plaintext(
    plaintext_file: Path,
) -> None:
    chosen = select(
        LockedMemoryKeyring, PlaintextFileKeyring, keyring.backends.chainer.ChainerBackend
    )
    assert isinstance(chosen, keyring.backends.chainer.ChainerBackend)
    with pytest.raises(KeyringUnavailable):
        KeyStore().set("openai", KEY)
    assert not plaintext_file.exists()


def test_every_trusted_name_is_a_real_keyring_backend_class() -> None:
    for name in TRUSTED_BACKENDS:
        module_name, _, class_name = name.rpartition(".")
        cls = getattr(importlib.import_module(module_name), class_name)
        assert issubclass(cls, keyring.backend.KeyringBackend), name


class UnstartableKeyring(keyring.backend.KeyringBackend):
    """A backend that cannot start here, as Secret Service without a D-Bus session."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("no D-Bus session")

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("never used")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("never used")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("never used")


def test_a_named_backend_that_cannot_start_gets_the_sentence_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{__name__}.UnstartableKeyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # choose again, lazily
    with pytest.raises(RuntimeError):
        keyring.get_keyring()  # what the library does; Kitdesk must not pass it on
    status = keyring_status()
    assert (status.usable, status.message) == (False, NO_KEYRING_HELP)
    with pytest.raises(KeyringUnavailable, match="No usable system keyring"):
        KeyStore().set("openai", KEY)
