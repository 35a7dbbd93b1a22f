"""Shared fixtures. Every test gets its own KITDESK_HOME and an in-memory keyring."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import kitdesk.keys
import pytest
from kitdesk.paths import Paths, resolve_paths
from kitdesk.providers.resolver import forget_listed_models

from tests.proof.figures import FIGURES, SOAK

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytest_plugins = ["tests.upstream", "tests.live_server"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the proof figures it recorded to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["proof_figures"] = dict(FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """In the controller: add up each finished worker's proof figures."""
    FIGURES.update(getattr(node, "workeroutput", {}).get("proof_figures", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The proof suite's figures (tests/proof/figures.py), and a JSON copy on request."""
    if not FIGURES:
        return
    terminalreporter.section("proof suite figures" + (" (soak)" if SOAK else ""))
    for name, value in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name}: {value:,}")
    target = os.environ.get("KITDESK_PROOF_FIGURES")
    if target:
        Path(target).write_text(json.dumps(dict(sorted(FIGURES.items())), indent=2) + "\n")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a system part is missing; under CI=true that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend keeping secrets in a dict.

    The suite in test_keyring_secret_service.py uses a real gnome-keyring instead.
    """

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.secrets[(service, username)]


@pytest.fixture(autouse=True)
def kitdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    home = tmp_path / "kitdesk-home"
    monkeypatch.setenv("KITDESK_HOME", str(home))
    # Tests that want automatic backups run the schedule themselves (test_retention.py).
    monkeypatch.setenv("KITDESK_AUTO_BACKUP", "0")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_DEFAULT_MODEL", raising=False)
    forget_listed_models()  # an earlier test's model lists are not this one's
    return resolve_paths().create()


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    # Kitdesk trusts only the OS keyrings (kitdesk.keys.TRUSTED_BACKENDS); the
    # tests' in-memory one (and its subclasses) stands in for them.
    monkeypatch.setattr(
        kitdesk.keys,
        "TRUSTED_BACKENDS",
        kitdesk.keys.TRUSTED_BACKENDS
        | {f"{MemoryKeyring.__module__}.{MemoryKeyring.__qualname__}"},
    )
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
