"""OpenAI-style error bodies for the fake upstream (``{"error": {message, type, param, code}}``).

One shape for every route of ``tests.upstream`` and its route modules, so the
``openai`` client raises the same typed exceptions it raises against the real API.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


def openai_error(
    status: int,
    message: str,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "error": {
            "message": message,
            "type": "invalid_request_error" if status < 500 else "server_error",
            "param": param,
            "code": code,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)
