"""Fixtures of the proof suite: the fake upstream's address for a served process,
and a real Secret Service for it. The figures the tests record are printed at the
end of the run by the suite's root conftest (it also gathers them from workers)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.proof.secret_service import SecretServiceDaemon, secret_service_daemon
from tests.upstream import Upstream

ENV_KEY = "sk-proof-environment-key-0001"

# Hypothesis keeps its scratch files out of the work tree.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "kitdesk-hypothesis")
)
# No example database on disk: make test stays derandomized, make soak random.
settings.register_profile("kitdesk-proof", database=None)
settings.load_profile("kitdesk-proof")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.proof)


@pytest.fixture
def upstream_env(upstream: Upstream) -> dict[str, str]:
    """Environment for a served process whose read-only provider is the fake upstream."""
    return {"OPENAI_API_KEY": ENV_KEY, "OPENAI_BASE_URL": upstream.base_url}


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[SecretServiceDaemon]:
    """A private D-Bus with gnome-keyring for one served process."""
    with secret_service_daemon(tmp_path / "xdg") as daemon:
        yield daemon
