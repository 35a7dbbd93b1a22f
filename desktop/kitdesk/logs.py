"""Logging to a rotating file in the platform log dir.

Windowed builds have no stdout, so the file is the log. A filter scrubs the
launch token and anything shaped like an API key from every record, in case a
library logs a URL or header we did not anticipate.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9._\-]{8,})")
_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Never let this value reach a log record (the launch token, a key in flight)."""
    if len(value) >= 8:
        _secrets.add(value)


def scrub(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class ExpectedErrorsFilter(logging.Filter):
    """The ChatKit SDK logs a full traceback for every error inside a stream,
    then re-raises it to us. For a refused request (the SDK's ValueError), a
    thread gone meanwhile (NotFoundError), or a storage condition (a full disk,
    a lock), which we answer with a sentence, one line is enough: the
    traceback would read like a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            from chatkit.store import NotFoundError

            from kitdesk.store.problems import storage_problem

            expected = type(exc) in (ValueError, NotFoundError)
            if expected or storage_problem(exc) is not None:
                record.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc}"
                record.args = None
                record.exc_info = None
                record.exc_text = None
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class BriefFormatter(logging.Formatter):
    """For the terminal: the message alone; tracebacks stay in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        brief = logging.makeLogRecord(record.__dict__)
        brief.exc_info, brief.exc_text, brief.stack_info = None, None, None
        return super().format(brief)


def setup_logging(log_file: Path, *, console: bool = False, level: int = logging.INFO) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kitdesk", False):
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            log_file, maxBytes=2 * 1024 * 1024, backupCount=3, encoding="utf-8"
        )
    ]
    if console and sys.stderr is not None:
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setFormatter(BriefFormatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(terminal)
    for handler in handlers:
        if handler.formatter is None:
            handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        handler._kitdesk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    sdk = logging.getLogger("chatkit")
    if not any(isinstance(f, ExpectedErrorsFilter) for f in sdk.filters):
        sdk.addFilter(ExpectedErrorsFilter())
    # Request lines carry the ?token= of the first load; we never want them.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("httpx", "httpcore", "httpx2", "httpcore2", "openai", "openai.agents"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
