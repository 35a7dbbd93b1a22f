"""The models catalog's memory of each provider's list, and its copy on disk.

Successful lists are written to ``<cache_dir>/models.json`` so the picker
fills instantly after a restart; failures stay in memory only (the catalog
remembers them briefly so a dead local server is not re-dialled on every
request). The file is replaced atomically; an unreadable one is ignored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
CACHE_FILE_NAME = "models.json"


@dataclass(frozen=True)
class ListEntry:
    """One provider's list as last fetched (or the failure, as a sentence)."""

    base_url: str
    fetched_at: float
    model_ids: tuple[str, ...] | None  # None: the fetch failed
    error: str | None = None


def load_lists(path: Path) -> dict[str, ListEntry]:
    """The saved lists by provider id; empty when the file is missing, old or unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != CACHE_FORMAT:
            return {}
        return {
            provider_id: ListEntry(
                base_url=str(item["base_url"]),
                fetched_at=float(item["fetched_at"]),
                model_ids=tuple(str(name) for name in item["models"]),
            )
            for provider_id, item in raw["providers"].items()
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        log.warning("ignoring an unreadable models cache at %s", path)
        return {}


def lists_json(entries: dict[str, ListEntry]) -> str:
    """The file's text: the successful lists only."""
    successes = {
        provider_id: {
            "base_url": entry.base_url,
            "fetched_at": entry.fetched_at,
            "models": list(entry.model_ids),
        }
        for provider_id, entry in entries.items()
        if entry.model_ids is not None
    }
    return json.dumps({"format": CACHE_FORMAT, "providers": successes}, indent=1)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".models-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
