"""Checking that a download is a release Kitdesk's release key signed.

What is signed: not the file bytes directly but this UTF-8 text, which names
the file by its SHA-256 and binds it to a version and a platform::

    kitdesk-update-v1
    version=0.2.0
    platform=linux-x86_64
    size=187654321
    sha256=<64 lowercase hex digits>

(each line ends with ``\\n``). So the signature can be checked from the feed
alone, before a byte is downloaded, and the download is then accepted only if
its streamed SHA-256 and size equal the signed ones. Binding the version stops
an old signed file being offered as a new version; binding the platform stops
a Windows installer being offered to a Mac. The URL is not signed, so a
release can move between mirrors without re-signing.

``cryptography`` (about 6 MB of OpenSSL bindings) is imported when a key is
first loaded, that is on the first update check, not when the app starts.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from kitdesk.updates.feed import Download
from kitdesk.updates.problems import BadChecksum, BadSignature, IncompleteDownload

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNED_MESSAGE_TAG = "kitdesk-update-v1"


def signed_message(version: str, platform: str, size: int, sha256: str) -> bytes:
    """The exact bytes the release key signs (see the module docstring)."""
    lines = [
        SIGNED_MESSAGE_TAG,
        f"version={version}",
        f"platform={platform}",
        f"size={size}",
        f"sha256={sha256.lower()}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_public_key(raw_base64: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_base64, validate=True))


def verify_download_signature(
    download: Download, *, version: str, platform: str, public_key: Ed25519PublicKey
) -> None:
    """Raise ``BadSignature`` unless the release key signed this version/platform/size/digest."""
    from cryptography.exceptions import InvalidSignature

    try:
        signature = base64.b64decode(download.signature, validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature(
            f"The update {version} was refused: its signature is not valid base64."
        ) from None
    message = signed_message(version, platform, download.size, download.sha256)
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        raise BadSignature(
            f"The update {version} was refused: it is not signed by the Kitdesk release key."
        ) from None


def check_digest(download: Download, *, version: str, size: int, sha256: str) -> None:
    """Compare what was downloaded with what was signed."""
    if size < download.size:
        raise IncompleteDownload(
            f"The download of Kitdesk {version} was cut short "
            f"({size:,} of {download.size:,} bytes); it will be tried again."
        )
    if size != download.size or not hmac.compare_digest(sha256.lower(), download.sha256):
        raise BadChecksum(
            f"The update {version} was refused: the downloaded file does not match "
            "its signed SHA-256 checksum."
        )
