"""KeyStore over the keyring library (in-memory backend here; the real Secret
Service is in test_keyring_secret_service.py): validation of pasted keys,
the read-only environment key, and refusing to work without a usable keyring."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backends.fail
import keyring.errors
import pytest
from kitdesk.keys import (
    ENV_PROVIDER_ID,
    LOCKED_KEYRING_HELP,
    NO_KEYRING_HELP,
    SERVICE,
    InvalidKey,
    KeyringUnavailable,
    KeyStatus,
    KeyStore,
    ReadOnlyKey,
    backend_is_usable,
    keyring_status,
    normalize_key,
)

from tests.conftest import MemoryKeyring

KEY = "sk-test-0123456789abcdefABCDEF"


class LockedKeyring(MemoryKeyring):
    """A backend whose collection is locked, as a Secret Service can be."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_set_get_replace_delete(memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore()
    assert keys.status("openai") == KeyStatus(has_key=False, source="none")
    keys.set("openai", KEY)
    assert memory_keyring.secrets == {(SERVICE, "openai"): KEY}
    assert keys.get("openai") == KEY
    assert keys.status("openai") == KeyStatus(has_key=True, source="keyring")
    keys.set("openai", "sk-new")
    assert keys.get("openai") == "sk-new"
    assert keys.delete("openai") is True
    assert keys.delete("openai") is False
    assert keys.get("openai") is None


def test_status_carries_no_secret(memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore()
    keys.set("openai", KEY)
    assert KEY not in repr(keys.status("openai"))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [(f"  {KEY}\n", KEY), (f"\t{KEY}\r\n", KEY), ("a", "a")],
)
def test_keys_are_trimmed(raw: str, clean: str) -> None:
    assert normalize_key(raw) == clean


@pytest.mark.parametrize(
    "raw", ["", "  ", "\n", "sk-a\nsk-b", "sk-a\rb", "sk a", "sk-\u200b", "sk-\x00", "k" * 4097]
)
def test_text_that_cannot_be_a_key_is_refused_without_echo(
    raw: str, memory_keyring: MemoryKeyring
) -> None:
    with pytest.raises(InvalidKey) as caught:
        KeyStore().set("openai", raw)
    if raw.strip():
        assert raw.strip() not in str(caught.value)
    assert memory_keyring.secrets == {}


def test_the_longest_allowed_key(memory_keyring: MemoryKeyring) -> None:
    KeyStore().set("azure", "k" * 4096)
    assert memory_keyring.secrets[(SERVICE, "azure")] == "k" * 4096


def test_the_environment_key_is_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = KeyStore()
    assert keys.status(ENV_PROVIDER_ID) == KeyStatus(has_key=False, source="none")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert keys.get(ENV_PROVIDER_ID) == KEY
    assert keys.status(ENV_PROVIDER_ID) == KeyStatus(has_key=True, source="environment")
    with pytest.raises(ReadOnlyKey, match="OPENAI_API_KEY"):
        keys.set(ENV_PROVIDER_ID, "sk-other")
    with pytest.raises(ReadOnlyKey):
        keys.delete(ENV_PROVIDER_ID)


@pytest.mark.usefixtures("fail_keyring")
def test_no_keyring_means_no_storage_and_says_how_to_fix_it() -> None:
    keys = KeyStore()
    assert backend_is_usable() is False
    status = keyring_status()
    assert (status.backend, status.usable, status.message) == (
        "keyring.backends.fail.Keyring",
        False,
        NO_KEYRING_HELP,
    )
    with pytest.raises(KeyringUnavailable) as caught:
        keys.set("openai", KEY)
    assert str(caught.value) == NO_KEYRING_HELP
    with pytest.raises(KeyringUnavailable):
        keys.delete("openai")
    assert keys.get("openai") is None
    assert keys.status("openai") == KeyStatus(has_key=False, source="none")


def test_no_keyring_still_allows_the_environment_key(
    fail_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert KeyStore().get(ENV_PROVIDER_ID) == KEY


def test_a_locked_keyring_says_so() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        keys = KeyStore()
        with pytest.raises(KeyringUnavailable) as caught:
            keys.set("openai", KEY)
        assert str(caught.value) == LOCKED_KEYRING_HELP
        assert keys.get("openai") is None
    finally:
        keyring.set_keyring(previous)


class CountingKeyring(MemoryKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


@pytest.fixture
def counting_keyring() -> Iterator[CountingKeyring]:
    previous = keyring.get_keyring()
    backend = CountingKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_found_keys_are_remembered_for_a_while(counting_keyring: CountingKeyring) -> None:
    now = [100.0]
    keys = KeyStore(memory_seconds=300, clock=lambda: now[0])
    counting_keyring.secrets[(SERVICE, "openai")] = KEY
    assert keys.get("openai") == KEY
    now[0] += 299
    assert keys.get("openai") == KEY
    assert counting_keyring.reads == 1
    # A change made outside Kitdesk is seen once the memory expires.
    counting_keyring.secrets[(SERVICE, "openai")] = "sk-changed-elsewhere"
    now[0] += 2
    assert keys.get("openai") == "sk-changed-elsewhere"
    assert counting_keyring.reads == 2


def test_writes_through_kitdesk_are_seen_at_once(counting_keyring: CountingKeyring) -> None:
    keys = KeyStore(clock=lambda: 0.0)
    keys.set("openai", KEY)
    assert keys.get("openai") == KEY
    assert counting_keyring.reads == 0
    keys.set("openai", "sk-second")
    assert keys.get("openai") == "sk-second"
    keys.delete("openai")
    assert keys.get("openai") is None


def test_a_missing_key_is_not_remembered(counting_keyring: CountingKeyring) -> None:
    keys = KeyStore(clock=lambda: 0.0)
    assert keys.get("openai") is None
    counting_keyring.secrets[(SERVICE, "openai")] = KEY  # added with secret-tool, say
    assert keys.get("openai") == KEY


def test_remembered_keys_are_not_used_once_the_keyring_is_unusable(
    counting_keyring: CountingKeyring,
) -> None:
    keys = KeyStore()
    keys.set("openai", KEY)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert keys.get("openai") is None


def test_a_remembered_header_value_is_read_without_the_keyring(
    counting_keyring: CountingKeyring,
) -> None:
    now = [100.0]
    keys = KeyStore(memory_seconds=300, clock=lambda: now[0])
    assert keys.remembered_header("agent", "X-Api-Key") is None  # never read: ask the keyring
    keys.set_header("agent", "X-Api-Key", "v-secret-1")
    assert keys.remembered_header("agent", "X-Api-Key") == "v-secret-1"
    assert keys.remembered_header("agent", "X-Other") is None
    assert counting_keyring.reads == 0
    now[0] += 301  # expired: the keyring is asked again (it may have changed elsewhere)
    assert keys.remembered_header("agent", "X-Api-Key") is None
    assert keys.get_header("agent", "X-Api-Key") == "v-secret-1"
    assert keys.remembered_header("agent", "X-Api-Key") == "v-secret-1"
    keys.delete_header("agent", "X-Api-Key")
    assert keys.remembered_header("agent", "X-Api-Key") is None


class PriorityCountingKeyring(MemoryKeyring):
    """Counts the availability checks (the Secret Service's opens a D-Bus connection)."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    @property
    def priority(self) -> float:  # type: ignore[override]
        self.checks += 1
        return 1


def test_reading_a_key_every_turn_does_not_ask_the_backend_every_time() -> None:
    previous = keyring.get_keyring()
    backend = PriorityCountingKeyring()
    keyring.set_keyring(backend)
    try:
        keys = KeyStore(memory_seconds=300)
        keys.set("openai", KEY)
        for _ in range(50):
            assert keys.get("openai") == KEY
        assert backend.checks <= 2  # once, and once more if the few seconds ran out
    finally:
        keyring.set_keyring(previous)
