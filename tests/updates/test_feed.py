"""The feed's URL rule, platform names and version comparison."""

from __future__ import annotations

import pytest
from kitdesk.updates.config import check_update_url
from kitdesk.updates.feed import Feed, parse_feed, platform_id
from kitdesk.updates.problems import InsecureUrl, MalformedFeed

from tests.updates.conftest import feed_json


@pytest.mark.parametrize(
    "url",
    [
        "https://kitdesk.app/updates/feed.json",
        "http://127.0.0.1:8123/feed.json",
        "http://localhost/feed.json",
        "http://[::1]:9/feed.json",
    ],
)
def test_https_or_loopback_http_is_allowed(url: str) -> None:
    assert check_update_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://kitdesk.app/feed.json",
        "http://127.0.0.1.example.com/feed.json",
        "http://10.0.0.1/feed.json",
        "ftp://kitdesk.app/feed.json",
        "file:///etc/passwd",
        "kitdesk.app/feed.json",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(InsecureUrl):
        check_update_url(url)


def test_a_download_url_must_be_https_too() -> None:
    entry = {"url": "http://cdn.example.com/k.tar.gz", "size": 1, "sha256": "a" * 64}
    body = feed_json(downloads={"linux-x86_64": {**entry, "signature": "AA=="}})

    with pytest.raises(MalformedFeed) as caught:
        parse_feed(body, "F")

    assert caught.value.message.startswith("The update feed at F is not valid (downloads.")
    assert "uses plain HTTP" in caught.value.message


@pytest.mark.parametrize(
    ("system", "machine", "expected"),
    [
        ("linux", "x86_64", "linux-x86_64"),
        ("linux", "aarch64", "linux-arm64"),
        ("win32", "AMD64", "windows-x86_64"),
        ("darwin", "arm64", "macos-arm64"),
    ],
)
def test_platform_ids(system: str, machine: str, expected: str) -> None:
    assert platform_id(system, machine) == expected


@pytest.mark.parametrize(
    ("feed_version", "current", "newer"),
    [
        ("0.10.0", "0.9.0", True),  # not a string comparison
        ("1.0.0", "1.0.0rc2", True),
        ("1.0.0", "1.0.0", False),
        ("1.0", "1.0.0", False),
        ("0.9.9", "1.0.0", False),
        ("2.0.0", "0.0.0+source", True),
        ("2.0.0", "not-a-version", False),
    ],
)
def test_version_comparison(feed_version: str, current: str, newer: bool) -> None:
    feed = Feed.model_validate({"schema": 1, "version": feed_version, "downloads": {}})
    assert feed.is_newer_than(current) is newer
