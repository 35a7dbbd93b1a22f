"""The per-request context the ChatKit server, store and responder receive."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    # Origin the client used, e.g. "http://127.0.0.1:8123"; used to build
    # upload and preview URLs for attachments.
    origin: str
    # The shipped language server-built thread text is written in (approval cards,
    # tool activity): the request's Accept-Language, else the setting, else English.
    language: str = "en"
