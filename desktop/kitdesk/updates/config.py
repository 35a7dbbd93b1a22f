"""The two update settings' types and rules, importable without httpx or cryptography.

``settings.py`` validates ``updates`` and ``update_feed_url`` with these, and it
is read on the path to the window's first answer, so this module uses the
standard library only.

The URL rule: HTTPS, or plain HTTP only to this machine (127.0.0.1, ::1,
localhost) for tests and a feed served locally. It applies to the feed and to
every download URL the feed names.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from kitdesk.updates.problems import InsecureUrl

UpdatesChoice = Literal["ask", "on", "off"]
DEFAULT_UPDATES_CHOICE: UpdatesChoice = "ask"
DEFAULT_FEED_URL = "https://kitdesk.app/updates/feed.json"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_update_url(url: str) -> str:
    """Return the URL if updates may use it; raise ``InsecureUrl`` with a sentence if not."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InsecureUrl(f"The update address {url!r} is not an http(s) URL.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InsecureUrl(
            f"The update address {url!r} uses plain HTTP; only HTTPS is allowed "
            "(HTTP only for 127.0.0.1 or localhost)."
        )
    return url
