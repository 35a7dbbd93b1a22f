"""The per-request context the ChatKit server, store and responder receive."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    # Origin the client used, e.g. "http://127.0.0.1:8123"; used to build
    # upload and preview URLs for attachments.
    origin: str
