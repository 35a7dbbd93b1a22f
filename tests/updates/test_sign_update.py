"""build/sign_update.py: its signature is what the app verifies, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kitdesk.updates.feed import parse_feed
from kitdesk.updates.problems import BadSignature
from kitdesk.updates.release_key import RELEASE_PUBLIC_KEY
from kitdesk.updates.verify import load_public_key, signed_message, verify_download_signature

from tests.updates.conftest import ROOT, sign_update


def test_the_script_and_the_app_sign_the_same_text() -> None:
    args = ("1.2.3", "macos-arm64", 42, "AB" * 32)
    assert sign_update.signed_message(*args) == signed_message(*args)
    assert signed_message(*args) == (
        b"kitdesk-update-v1\nversion=1.2.3\nplatform=macos-arm64\nsize=42\nsha256="
        + b"ab" * 32
        + b"\n"
    )


def test_the_embedded_release_key_is_a_valid_ed25519_public_key() -> None:
    assert len(load_public_key(RELEASE_PUBLIC_KEY).public_bytes_raw()) == 32


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build" / "sign_update.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_new_key_sign_and_feed_round_trip(tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    made = run("--new-key", key)
    assert made.returncode == 0, made.stderr
    public = load_public_key(made.stdout.strip())
    assert key.stat().st_mode & 0o077 == 0  # the private key is owner-only
    release = tmp_path / "kitdesk-0.2.0-linux-x86_64.tar.gz"
    release.write_bytes(b"release bytes" * 1000)
    feed_path = tmp_path / "feed.json"
    url = "https://kitdesk.app/r/kitdesk-0.2.0-linux-x86_64.tar.gz"

    signed = run(
        "--key", key, "--version", "0.2.0", "--platform", "linux-x86_64",
        "--url", url, "--feed", feed_path, "--notes", "Hello.", release,
    )  # fmt: skip

    assert signed.returncode == 0, signed.stderr
    printed = json.loads(signed.stdout)
    feed = parse_feed(feed_path.read_bytes())
    download = feed.downloads["linux-x86_64"]
    assert printed["linux-x86_64"]["sha256"] == download.sha256
    assert (feed.version, feed.notes, download.url, download.size) == (
        "0.2.0",
        "Hello.",
        url,
        13000,
    )
    verify_download_signature(download, version="0.2.0", platform="linux-x86_64", public_key=public)
    with pytest.raises(BadSignature):  # same entry, claimed for another platform
        verify_download_signature(
            download, version="0.2.0", platform="windows-x86_64", public_key=public
        )
    with pytest.raises(BadSignature):  # or another version
        verify_download_signature(
            download, version="0.3.0", platform="linux-x86_64", public_key=public
        )


def test_refuses_a_plain_http_url(tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    run("--new-key", key)
    (tmp_path / "f").write_bytes(b"x")

    result = run(
        "--key", key, "--version", "1", "--platform", "p", "--url", "http://x/f", tmp_path / "f"
    )

    assert result.returncode == 2
    assert "--url must be an https:// address" in result.stderr
