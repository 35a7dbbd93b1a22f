"""Every refusal of the HTTP layer as ``{"error": {"code", "message"}}``, in words.

Pydantic's validation errors become "field: what is wrong" sentences (never
quoting the input: it may be an API key); ``UserFacingError`` keeps its own
status, code and sentence; Starlette's 404/405 get a sentence too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException as StarletteHTTPException

from kitdesk.errors import UserFacingError
from kitdesk.web.responses import error_response

_PHRASES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not something Kitdesk knows; check the spelling",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "list_type": "must be a list",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "string_pattern_mismatch": "may use only lower-case letters, digits, “-” and “_”",
}


def readable_problem(error: ErrorDetails) -> str:
    """One pydantic error as ``"field: what is wrong"``.

    Never quotes the input: it may be an API key.
    """
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    where = ".".join(str(part) for part in error["loc"] if part not in ("body", "query", "path"))
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if not where:
        if kind == "missing":
            return "The request needs a JSON body."
        if kind in ("dict_type", "model_type", "model_attributes_type"):
            return "The request body must be a JSON object."
    if kind in _PHRASES:
        problem = _PHRASES[kind]
    elif kind == "string_too_short":
        minimum = int(ctx.get("min_length", 1))
        problem = "must not be empty" if minimum <= 1 else f"must be at least {minimum} characters"
    elif kind == "string_too_long":
        problem = f"must be at most {int(ctx.get('max_length', 0)):,} characters"
    elif kind in ("literal_error", "enum"):
        problem = f"must be one of {ctx.get('expected', 'the listed values')}"
    elif kind == "greater_than_equal":
        problem = f"must be at least {ctx.get('ge')}"
    elif kind == "less_than_equal":
        problem = f"must be at most {ctx.get('le')}"
    elif kind == "greater_than":
        problem = f"must be more than {ctx.get('gt')}"
    elif kind == "less_than":
        problem = f"must be less than {ctx.get('lt')}"
    elif kind == "value_error":
        problem = str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    else:
        message = error["msg"]
        problem = message[:1].lower() + message[1:]
    return f"{where}: {problem}" if where else problem[:1].upper() + problem[1:]


def readable_errors(errors: list[ErrorDetails], *, limit: int = 3) -> str:
    problems = [readable_problem(error) for error in errors[:limit]]
    if len(errors) > limit:
        problems.append(f"and {len(errors) - limit} more")
    text = "; ".join(problems)
    return text if text.endswith(".") else text + "."


async def _on_validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", readable_errors(list(exc.errors())))


async def _on_user_facing_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, UserFacingError)
    return error_response(exc.status, exc.code, exc.message)


async def _on_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: ("not_found", "There is nothing at this address."),
        405: ("method_not_allowed", "This address does not accept that method."),
    }
    code, message = messages.get(exc.status_code, ("http_error", str(exc.detail)))
    response = error_response(exc.status_code, code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Every error as ``{"error": {"code", "message"}}`` with a sentence for a person."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(UserFacingError, _on_user_facing_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)


def invalid_body(exc: ValidationError, code: str = "invalid_settings") -> UserFacingError:
    return UserFacingError(readable_errors(list(exc.errors())), status=422, code=code)
