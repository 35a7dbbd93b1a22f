"""Turn a failed call to a model provider into one sentence a person can act on.

Each message names the provider (and the model or base URL where that is what
is wrong) and says what to do. ``allow_retry`` is set only where trying again
can help (rate limits, provider hiccups, timeouts, dropped connections).
Messages never carry a key or a stack trace: a provider's own error text is
only quoted for 400-class refusals, shortened, with the key scrubbed.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping

from chatkit.errors import CustomStreamError

from kitdesk import i18n
from kitdesk.chat.answer import MAX_ANSWER_CHARS, AnswerTooLong
from kitdesk.chat.sse import (
    MAX_EVENT_BYTES,
    ProviderEventTooLarge,
    ProviderStreamError,
    StreamEndedEarly,
)
from kitdesk.providers.provider_errors import (
    ProviderConnectionError,
    ProviderMalformedReply,
    ProviderStatusError,
    ProviderTimeout,
)
from kitdesk.providers.resolver import ResolvedModel

MAX_QUOTED_CHARS = 300


def retry_after_seconds(headers: Mapping[str, str] | None) -> int | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(1, round(float(value) / 1000))
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0, round(float(value)))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0, round(when.timestamp() - time.time()))


def describe_wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _quote(text: str, secret: str | None) -> str:
    """A provider's message, one line, shortened, with the key removed."""
    if secret:
        text = text.replace(secret, "[key]")
    text = " ".join(text.split())
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 1] + "…"
    return text


def _provider_message(error: ProviderStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return ""


def _error_code(error: ProviderStatusError) -> str:
    return error.code or ""


def cut_off_note(model: ResolvedModel, language: str) -> str:
    """Appended to a partial answer whose stream was cut, so the transcript shows it."""
    return f"\n\n*[{i18n.text(language, 'answer.cut_off', provider=model.provider_name)}]*"


def describe_upstream_error(
    error: BaseException, model: ResolvedModel, *, partial: bool = False
) -> CustomStreamError:
    """The error event to show for ``error``; ``partial`` means some text already arrived."""
    name = model.provider_name
    if isinstance(error, CustomStreamError):
        return error
    if isinstance(error, ProviderTimeout):
        return CustomStreamError(
            f"{name} took too long to answer and Kitdesk stopped waiting. "
            + ("The partial answer was kept. " if partial else "")
            + "Try again, or pick a faster model.",
            allow_retry=True,
        )
    if isinstance(error, ProviderConnectionError):
        if partial:
            return CustomStreamError(
                f"The connection to {name} dropped in the middle of the answer. "
                "The partial answer was kept. Try again to get a full answer.",
                allow_retry=True,
            )
        return CustomStreamError(
            f"Kitdesk could not connect to {name} at {model.base_url}. "
            "Check your internet connection, or that the server is running, and try again.",
            allow_retry=True,
        )
    if isinstance(error, ProviderStatusError):
        return _describe_status(error, model)
    if isinstance(error, ProviderStreamError):
        detail = _quote(error.provider_message, model.api_key)
        return CustomStreamError(
            f"{name} reported an error while answering: {detail}"
            + (" The partial answer was kept." if partial else "")
            + " Try again in a moment.",
            allow_retry=True,
        )
    if isinstance(error, AnswerTooLong):
        return CustomStreamError(
            f"The answer from {name} passed {MAX_ANSWER_CHARS:,} characters, the most Kitdesk "
            "keeps of one answer, so Kitdesk stopped it there"
            + ("; what arrived was kept" if partial else "")
            + ". Ask for a shorter answer, or for the rest in another message.",
            allow_retry=False,
        )
    if isinstance(error, ProviderEventTooLarge):
        return CustomStreamError(
            f"{name} sent a piece of its answer larger than {MAX_EVENT_BYTES // (1024 * 1024)} MB "
            "without ending it, so Kitdesk stopped reading"
            + ("; the partial answer was kept" if partial else "")
            + ". Try again; if it keeps happening, the server may not be OpenAI-compatible.",
            allow_retry=True,
        )
    if isinstance(error, StreamEndedEarly):
        return CustomStreamError(
            f"{name} ended the answer before it was complete"
            + ("; the partial answer was kept" if partial else "")
            + ". Try again to get a full answer.",
            allow_retry=True,
        )
    if isinstance(error, json.JSONDecodeError | ProviderMalformedReply):
        return CustomStreamError(
            f"{name} sent a reply Kitdesk could not read"
            + (" partway through the answer; the partial answer was kept" if partial else "")
            + ". Try again; if it keeps happening, the server may not be OpenAI-compatible.",
            allow_retry=True,
        )
    return CustomStreamError(
        f"Something went wrong while getting the answer from {name}"
        + (" (the partial answer was kept)" if partial else "")
        + ". Try again; the details are in Kitdesk's log file.",
        allow_retry=True,
    )


def _describe_status(error: ProviderStatusError, model: ResolvedModel) -> CustomStreamError:
    name = model.provider_name
    status = error.status_code
    if status == 401:
        return CustomStreamError(
            f"{name} rejected the API key. Check or replace the key for {name} in Settings.",
            allow_retry=False,
        )
    if status == 403:
        return CustomStreamError(
            f"Your {name} account has no access to the model “{model.model}”. "
            "Pick another model, or check the account's permissions with the provider.",
            allow_retry=False,
        )
    if status == 404:
        return CustomStreamError(
            f"{name} does not know the model “{model.model}”. "
            "Pick another model in the composer, or check the model name in Settings.",
            allow_retry=False,
        )
    if status == 429:
        if _error_code(error) == "insufficient_quota":
            return CustomStreamError(
                f"Your {name} account has run out of credit or quota. "
                "Check the plan and billing with the provider.",
                allow_retry=False,
            )
        wait = retry_after_seconds(error.headers)
        when = f"Try again in {describe_wait(wait)}." if wait else "Wait a moment and try again."
        return CustomStreamError(
            f"{name} is rate limiting requests right now. {when}", allow_retry=True
        )
    if status >= 500:
        return CustomStreamError(
            f"{name} had a problem answering (error {status}). This is usually brief: "
            "try again in a moment.",
            allow_retry=True,
        )
    detail = _quote(_provider_message(error), model.api_key)
    return CustomStreamError(
        f"{name} refused the request (error {status})"
        + (f": {detail}" if detail else ".")
        + ("" if detail.endswith((".", "…")) or not detail else "."),
        allow_retry=False,
    )
