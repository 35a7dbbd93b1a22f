"""Fetching a remote ChatKit server's images for the window, with the relay's care.

``chat/image_links.py`` points the images in a server's answers at Kitdesk's
route; the route asks ``RemoteImages.fetch`` for the picture. What it fetches
is limited as tightly as the relay's requests (``chat/remote.py``):

- only URLs on the provider's own origin (the scheme, host and port of its
  base URL: an ``https`` server's images over ``https`` only);
- redirects are followed only while they stay on that origin, at most
  ``MAX_REDIRECTS``; so the provider's request headers (its secrets, from the
  keyring) only ever go to its own origin;
- PNG, JPEG, GIF and WebP only: the declared type must be one of them and the
  first bytes must say so too (the answer is served as what the bytes are).
  SVG is refused: it can carry script and load other URLs;
- at most ``MAX_IMAGE_BYTES``, counted as the bytes arrive;
- ``IMAGE_TIMEOUT`` seconds for the whole exchange.

Every refusal is an ``ImageRefused`` whose message says what happened in one
sentence. Nothing here knows about FastAPI.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from kitdesk.chat.image_links import origin_of
from kitdesk.chat.remote import CONNECT_TIMEOUT, RemoteEndpoint
from kitdesk.errors import UserFacingError

MAX_IMAGE_BYTES = 16 * 1024 * 1024
IMAGE_TIMEOUT = 20.0
MAX_REDIRECTS = 3
# Declared content types accepted, and the name each family goes by.
ALLOWED_TYPES = {
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
}
READABLE_TYPES = "PNG, JPEG, GIF or WebP"


class ImageRefused(UserFacingError):
    """An image of a ChatKit server that Kitdesk will not show; the message says why."""


@dataclass(frozen=True)
class RemoteImage:
    content: bytes
    media_type: str  # what the bytes are (one of ALLOWED_TYPES' values)


def sniff(head: bytes) -> str | None:
    """The image type the first bytes show, among the allowed ones; else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class RemoteImages:
    """Fetches images from ChatKit servers over one connection pool."""

    def __init__(self) -> None:
        self._http: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http[0] is not loop or self._http[1].is_closed:
            transport = httpx.AsyncHTTPTransport(
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            )
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(IMAGE_TIMEOUT, connect=CONNECT_TIMEOUT),
                follow_redirects=False,
                trust_env=False,
                transport=transport,
            )
            self._http = (loop, client)
        return self._http[1]

    async def aclose(self) -> None:
        if self._http is not None:
            _loop, client = self._http
            self._http = None
            await client.aclose()

    async def fetch(self, endpoint: RemoteEndpoint, url: str) -> RemoteImage:
        """The picture at ``url`` on the provider's own origin, or ``ImageRefused``."""
        name = f"the ChatKit server “{endpoint.name}”"
        home = origin_of(endpoint.url)
        if home is None or origin_of(url) != home:
            raise ImageRefused(
                f"Kitdesk shows only images from {name} itself ({_origin_text(endpoint.url)}); "
                "this one is on another site, so it was not loaded.",
                status=403,
                code="image_foreign_origin",
            )
        try:
            async with asyncio.timeout(IMAGE_TIMEOUT):
                return await self._follow(endpoint, url, name)
        except TimeoutError:
            raise ImageRefused(
                f"An image from {name} did not arrive within {IMAGE_TIMEOUT:g} seconds.",
                status=504,
                code="image_timeout",
            ) from None
        except httpx.HTTPError:
            raise ImageRefused(
                f"Could not reach {name} for an image. Is it running?",
                status=502,
                code="image_unreachable",
            ) from None

    async def _follow(self, endpoint: RemoteEndpoint, url: str, name: str) -> RemoteImage:
        headers = {**endpoint.headers, "accept": ", ".join(sorted(set(ALLOWED_TYPES.values())))}
        home = origin_of(endpoint.url)
        for _ in range(MAX_REDIRECTS + 1):
            request = self._client().build_request("GET", url, headers=headers)
            response = await self._client().send(request, stream=True)
            try:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("location", ""))
                    if origin_of(target) != home:
                        raise ImageRefused(
                            f"An image from {name} redirects to another site, so it was not "
                            "loaded.",
                            status=403,
                            code="image_foreign_redirect",
                        )
                    url = target
                    continue
                return await _read_image(response, f"The ChatKit server “{endpoint.name}”")
            finally:
                await response.aclose()
        raise ImageRefused(
            f"An image from {name} redirects more than {MAX_REDIRECTS} times, "
            "so it was not loaded.",
            status=502,
            code="image_redirect_loop",
        )


async def _read_image(response: httpx.Response, server: str) -> RemoteImage:
    """The checked picture of a 200 answer; ``server`` starts the sentences."""
    if response.status_code != 200:
        raise ImageRefused(
            f"{server} did not send the image (HTTP {response.status_code}).",
            status=404 if response.status_code == 404 else 502,
            code="image_unavailable",
        )
    declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in ALLOWED_TYPES:
        what = "an SVG image" if declared == "image/svg+xml" else f"“{declared or 'unknown'}”"
        raise ImageRefused(
            f"{server} sent {what} where Kitdesk shows only "
            f"{READABLE_TYPES} images, so it was not shown.",
            status=415,
            code="image_type",
        )
    too_large = ImageRefused(
        f"{server} sent an image larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB, "
        "so it was not loaded.",
        status=413,
        code="image_too_large",
    )
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_IMAGE_BYTES:
        raise too_large
    received = bytearray()
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) > MAX_IMAGE_BYTES:
            raise too_large
    kind = sniff(bytes(received[:16]))
    if kind is None:
        raise ImageRefused(
            f"{server} sent something that is not a {READABLE_TYPES} image, so it was not shown.",
            status=415,
            code="image_type",
        )
    return RemoteImage(bytes(received), kind)


def _origin_text(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
