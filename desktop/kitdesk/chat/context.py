"""The per-request context the ChatKit server, store and responder receive."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    # Where the client reached Kitdesk: its origin and the launch's path
    # prefix, e.g. "http://127.0.0.1:8123/k/abc"; attachment URLs are built
    # on it when they are read ("" for internal reads: no URL is built).
    origin: str
    # The shipped language server-built thread text is written in (approval cards,
    # tool activity): the request's Accept-Language, else the setting, else English.
    language: str = "en"
    # Set by ``threads.create`` for its own turn when the new thread is in no folder:
    # it holds only what this request writes, so the turn has no history or folder to read.
    new_thread: bool = False
