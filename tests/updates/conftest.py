"""Fixtures for update tests: a local HTTPS feed, a test release key, releases, installs.

Releases are signed with ``build/sign_update.py`` itself (loaded from its file),
with a key pair made per test; the checker gets that public key injected.
"""

from __future__ import annotations

import importlib.util
import io
import json
import random
import socket
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kitdesk.paths import Paths
from kitdesk.updates.checker import UpdateChecker, UpdateConfig
from kitdesk.updates.config import UpdatesChoice
from kitdesk.updates.installation import Installation, detect_installation

from tests.updates.feed_server import FeedServer, LocalCA, Route, start_feed_server

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "linux-x86_64"
CURRENT = "0.1.0"


def load_sign_update() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sign_update", ROOT / "build" / "sign_update.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sign_update = load_sign_update()


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return LocalCA.create(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def feed_server(test_ca: LocalCA) -> Iterator[FeedServer]:
    server, thread = start_feed_server(test_ca)
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join(5)


@pytest.fixture
def release_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def make_bundle_archive(version: str, files: dict[str, bytes], *, exe: bool = True) -> bytes:
    """A .tar.gz laid out like build/linux/package.sh's: <name>/kitdesk/<files>."""
    top = f"kitdesk-{version}-linux-x86_64"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/kitdesk/{name}")
            info.size = len(data)
            info.mode = 0o755 if (exe and name == "kitdesk") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


NEW_FILES = {
    "kitdesk": b"#!/bin/sh\necho kitdesk 0.2.0\n",
    "_internal/base_library.zip": b"new library",
    "_internal/added-in-0.2.txt": b"only in the new version",
    # Incompressible, so the archive is big enough to be cut part-way.
    "_internal/libbig.so": random.Random(2).randbytes(200_000),
}


@dataclass
class Release:
    version: str
    archive: bytes
    feed: dict[str, object]
    file_path: str = "/files/kitdesk.tar.gz"


@pytest.fixture
def publish(
    feed_server: FeedServer, release_key: Ed25519PrivateKey, tmp_path: Path
) -> Callable[..., Release]:
    """Sign an archive with the release script and serve it plus its feed."""

    def publish(
        version: str = "0.2.0",
        archive: bytes | None = None,
        *,
        key: Ed25519PrivateKey | None = None,
        served: bytes | None = None,
        cut_after: int | None = None,
    ) -> Release:
        archive = make_bundle_archive(version, NEW_FILES) if archive is None else archive
        file = tmp_path / f"release-{version}.tar.gz"
        file.write_bytes(archive)
        url = feed_server.url("/files/kitdesk.tar.gz")
        entry = sign_update.sign_file(
            key or release_key, file, version=version, platform=PLATFORM, url=url
        )
        feed_file = tmp_path / "feed.json"
        feed = sign_update.merge_into_feed(
            feed_file, version=version, platform=PLATFORM, entry=entry, notes="Faster."
        )
        feed_server.routes["/feed.json"] = Route(
            feed_file.read_bytes(), content_type="application/json"
        )
        feed_server.routes["/files/kitdesk.tar.gz"] = Route(
            archive if served is None else served, cut_after=cut_after
        )
        return Release(version=version, archive=archive, feed=feed)

    return publish


@pytest.fixture
def installed(tmp_path: Path) -> Installation:
    """A Kitdesk 0.1.0 unpacked from the .tar.gz into a folder of the person's own."""
    app = tmp_path / "apps" / "kitdesk-0.1.0-linux-x86_64" / "kitdesk"
    (app / "_internal").mkdir(parents=True)
    exe = app / "kitdesk"
    exe.write_bytes(b"#!/bin/sh\necho kitdesk 0.1.0\n")
    exe.chmod(0o755)
    (app / "_internal" / "base_library.zip").write_bytes(b"old library")
    (app / "_internal" / "removed-in-0.2.txt").write_bytes(b"only in the old version")
    return detect_installation(
        executable=exe,
        frozen=True,
        system="linux",
        updates_built_in=True,
        dpkg_info=tmp_path / "no-dpkg" / "kitdesk.list",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_checker(
    kitdesk_home: Paths,
    feed_server: FeedServer,
    test_ca: LocalCA,
    release_key: Ed25519PrivateKey,
    installed: Installation,
) -> Callable[..., UpdateChecker]:
    def make_checker(
        *,
        feed_url: str | None = None,
        choice: UpdatesChoice = "on",
        installation: Installation | None = None,
        updates_built_in: bool = True,
        clock: Clock | None = None,
        current_version: str = CURRENT,
    ) -> UpdateChecker:
        config = UpdateConfig(choice=choice, feed_url=feed_url or feed_server.url("/feed.json"))
        return UpdateChecker(
            current_version=current_version,
            data_dir=kitdesk_home.data_dir,
            config=lambda: config,
            installation=installation or installed,
            updates_built_in=updates_built_in,
            public_key=release_key.public_key(),
            ca_file=test_ca.ca_file,
            platform=PLATFORM,
            clock=clock or Clock(),
        )

    return make_checker


def feed_json(**changes: object) -> bytes:
    feed: dict[str, object] = {"schema": 1, "version": "0.2.0", "downloads": {}}
    feed.update(changes)
    return json.dumps(feed).encode()
