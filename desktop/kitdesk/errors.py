"""Errors that carry a sentence for the person using Kitdesk.

Framework-free, so every layer can raise them: the web layer turns a
``UserFacingError`` into ``{"error": {"code", "message"}}`` with its status,
or into an ``error`` event inside a stream.
"""

from __future__ import annotations

BUILD_FAILED_MESSAGE = "Kitdesk could not start its chat service. The details are in its log file."


class UserFacingError(Exception):
    """An error whose message is safe and meant for the person using Kitdesk.

    Raise a subclass anywhere below the HTTP layer; the endpoints turn it into
    a JSON error (or an ``error`` stream event) with this status, code and message.
    """

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class StartupProblem(Exception):
    """The application cannot start for a reason a person can act on (the message says which)."""
