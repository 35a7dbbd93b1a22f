"""The update feed: one small JSON document saying which release is newest.

Shape (``schema`` 1)::

    {
      "schema": 1,
      "version": "0.2.0",
      "notes": "One line about the release.",
      "downloads": {
        "linux-x86_64": {"url": "https://.../kitdesk-0.2.0-linux-x86_64.tar.gz",
                         "size": 187654321,
                         "sha256": "<64 hex digits>",
                         "signature": "<base64 Ed25519 signature>"},
        "windows-x86_64": {...}, "macos-arm64": {...}
      }
    }

The feed itself is not trusted: anyone who can change it can only point at
files, and a file is installed only when the release key signed its version,
platform, size and SHA-256 (see ``verify.py``). HTTPS still matters (it keeps
the check private and stops a stale feed being replayed), so feed and download
URLs must be HTTPS (the rule is in ``config.py``; plain HTTP only on loopback).
"""

from __future__ import annotations

import platform
import sys
from urllib.parse import urlsplit

import httpx
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kitdesk.updates.config import check_update_url
from kitdesk.updates.problems import CouldNotCheck, InsecureUrl, MalformedFeed

FEED_SCHEMA = 1
# A feed is a few hundred bytes; anything far larger is not a feed.
MAX_FEED_BYTES = 256 * 1024
# Ceiling on any download the feed may announce (a Qt bundle is about 250 MB).
MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024


def platform_id(system: str | None = None, machine: str | None = None) -> str:
    """``linux-x86_64``, ``windows-x86_64``, ``macos-arm64``...: the key into ``downloads``."""
    system = system or sys.platform
    machine = (machine or platform.machine()).lower()
    machine = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    if system.startswith("win"):
        name = "windows"
    elif system == "darwin":
        name = "macos"
    else:
        name = "linux"
    return f"{name}-{machine}"


class Download(BaseModel):
    """One platform's file, as signed by the release key."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str
    size: int = Field(gt=0, le=MAX_DOWNLOAD_BYTES)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    signature: str = Field(min_length=1, max_length=200)

    @field_validator("url")
    @classmethod
    def _secure_url(cls, value: str) -> str:
        try:
            return check_update_url(value)
        except InsecureUrl as exc:
            raise ValueError(exc.message) from None

    @field_validator("sha256")
    @classmethod
    def _lower_hex(cls, value: str) -> str:
        return value.lower()

    @property
    def file_name(self) -> str:
        name = urlsplit(self.url).path.rsplit("/", 1)[-1]
        return name or "kitdesk-update"


class Feed(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_: int = Field(alias="schema")
    version: str
    notes: str = Field(default="", max_length=2000)
    downloads: dict[str, Download]

    @field_validator("schema_")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != FEED_SCHEMA:
            raise ValueError(f"this Kitdesk reads feed schema {FEED_SCHEMA}, not {value}")
        return value

    @field_validator("version")
    @classmethod
    def _pep440(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion:
            raise ValueError(f"{value!r} is not a version number") from None
        return value

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)

    def is_newer_than(self, current: str) -> bool:
        """Newer only when strictly greater; an unparsable current version never updates."""
        try:
            return self.parsed_version > Version(current)
        except InvalidVersion:
            return False


def parse_feed(data: bytes, url: str = "the feed") -> Feed:
    try:
        return Feed.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "document"
        raise MalformedFeed(
            f"The update feed at {url} is not valid ({where}: {first.get('msg', 'invalid')})."
        ) from None


def fetch_feed(client: httpx.Client, url: str) -> Feed:
    """GET and validate the feed. Network trouble is ``CouldNotCheck`` (quiet)."""
    url = check_update_url(url)
    try:
        with client.stream("GET", url, headers={"accept": "application/json"}) as response:
            check_update_url(str(response.url))  # a redirect must not leave HTTPS
            if response.status_code != 200:
                raise MalformedFeed(
                    f"The update feed at {url} answered HTTP {response.status_code}."
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_FEED_BYTES:
                    raise MalformedFeed(f"The update feed at {url} is too large to be a feed.")
    except httpx.TransportError as exc:
        raise CouldNotCheck(f"Could not reach the update feed ({type(exc).__name__}).") from None
    return parse_feed(bytes(body), url)
