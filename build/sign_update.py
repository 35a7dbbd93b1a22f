"""Signs a release file for Kitdesk's updater and writes its entry into the feed JSON.

Run once per platform file after building the release:

    python build/sign_update.py --key ~/secure/kitdesk-update-signing.pem \
        --version 0.2.0 --platform linux-x86_64 \
        --url https://kitdesk.app/releases/0.2.0/kitdesk-0.2.0-linux-x86_64.tar.gz \
        --feed build/dist/feed.json  build/dist/kitdesk-0.2.0-linux-x86_64.tar.gz

It prints the entry and merges it into --feed (created if missing; a feed for
another version is started afresh). Upload the file, then the feed, last.
The key is an Ed25519 private key in PEM (PKCS#8). Make a new pair with:

    python build/sign_update.py --new-key ~/secure/kitdesk-update-signing.pem

which prints the base64 public key for desktop/kitdesk/updates/release_key.py.
Never commit the private key. Needs only the `cryptography` package; the
signed text is defined in desktop/kitdesk/updates/verify.py (kept in step here).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FEED_SCHEMA = 1


def signed_message(version: str, platform: str, size: int, sha256: str) -> bytes:
    """Same text as kitdesk.updates.verify.signed_message (a test keeps them equal)."""
    lines = [
        "kitdesk-update-v1",
        f"version={version}",
        f"platform={platform}",
        f"size={size}",
        f"sha256={sha256.lower()}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(f"sign_update: {path} is not an Ed25519 private key")
    return key


def public_key_base64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign_file(
    key: Ed25519PrivateKey, file: Path, *, version: str, platform: str, url: str
) -> dict[str, object]:
    digest = hashlib.sha256()
    size = 0
    with file.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    sha256 = digest.hexdigest()
    signature = key.sign(signed_message(version, platform, size, sha256))
    return {
        "url": url,
        "size": size,
        "sha256": sha256,
        "signature": base64.b64encode(signature).decode(),
    }


def merge_into_feed(
    feed_path: Path, *, version: str, platform: str, entry: dict[str, object], notes: str
) -> dict[str, object]:
    feed: dict[str, object] = {}
    if feed_path.exists():
        feed = json.loads(feed_path.read_text(encoding="utf-8"))
    if feed.get("version") != version:
        feed = {"schema": FEED_SCHEMA, "version": version, "notes": notes, "downloads": {}}
    if notes:
        feed["notes"] = notes
    downloads = feed.setdefault("downloads", {})
    assert isinstance(downloads, dict)
    downloads[platform] = entry
    feed_path.write_text(json.dumps(feed, indent=2) + "\n", encoding="utf-8")
    return feed


def write_new_key(path: Path) -> str:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return public_key_base64(key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sign a Kitdesk release file for the updater.")
    parser.add_argument("file", nargs="?", type=Path, help="the release file to sign")
    parser.add_argument("--key", type=Path, help="Ed25519 private key (PEM)")
    parser.add_argument("--version", help="the release version, e.g. 0.2.0")
    parser.add_argument("--platform", help="linux-x86_64, windows-x86_64, macos-arm64, ...")
    parser.add_argument("--url", help="where the file will be downloaded from (HTTPS)")
    parser.add_argument("--feed", type=Path, help="feed JSON to create or update")
    parser.add_argument("--notes", default="", help="one line about the release")
    parser.add_argument("--new-key", type=Path, help="write a new private key here and stop")
    args = parser.parse_args(argv)
    if args.new_key:
        print(write_new_key(args.new_key))
        return 0
    missing = [n for n in ("file", "key", "version", "platform", "url") if not getattr(args, n)]
    if missing:
        parser.error("missing: " + ", ".join(missing))
    if not args.url.startswith("https://"):
        parser.error("--url must be an https:// address")
    key = load_private_key(args.key)
    entry = sign_file(key, args.file, version=args.version, platform=args.platform, url=args.url)
    print(json.dumps({args.platform: entry}, indent=2))
    if args.feed:
        merge_into_feed(
            args.feed, version=args.version, platform=args.platform, entry=entry, notes=args.notes
        )
        print(f"wrote {args.feed}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
