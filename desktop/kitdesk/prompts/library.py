"""The prompt library: saved prompts in one JSON file in the data folder.

Why a file and not the database: prompts are a few kilobytes a person may want
to read, copy or sync by hand, and they change only when the person edits one,
so they need no schema migration. The file has the same documented shape as an
export (``prompts/exchange.py``), so a copy of it can be imported elsewhere.

Every change reads the file, applies the change and writes the whole file
atomically (temp file, fsync, rename), keeping the previous version as
``prompts.json.bak``; a lock serialises the changes of this process (one
Kitdesk runs per data folder). A file that cannot be read is set aside as
``prompts.json.corrupt-<timestamp>`` (never deleted) and the last good copy is
used, so a damaged file costs at most the last change.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kitdesk.errors import UserFacingError
from kitdesk.prompts.exchange import (
    PromptDraft,
    PromptFileProblem,
    document_of,
    drafts_of,
    parse_document,
)
from kitdesk.prompts.variables import variables_of

log = logging.getLogger(__name__)

MAX_PROMPTS = 1000
_NUMBERED = re.compile(r" \(\d+\)$")


@dataclass(frozen=True)
class Prompt:
    id: str
    name: str
    text: str
    created_at: str
    updated_at: str

    @property
    def variables(self) -> list[str]:
        return variables_of(self.text)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    already_present: int
    renamed: int


class PromptNotFound(UserFacingError):
    status = 404
    code = "prompt_not_found"

    def __init__(self) -> None:
        super().__init__("That prompt does not exist. It may have been deleted.")


class DuplicatePromptName(UserFacingError):
    status = 409
    code = "duplicate_prompt_name"

    def __init__(self, name: str) -> None:
        super().__init__(f"There is already a prompt named “{name}”. Choose another name.")


class TooManyPrompts(UserFacingError):
    status = 422
    code = "too_many_prompts"

    def __init__(self) -> None:
        super().__init__(f"The prompt library holds at most {MAX_PROMPTS:,} prompts.")


class PromptsNotSaved(UserFacingError):
    status = 500
    code = "prompts_not_saved"

    def __init__(self, path: Path, reason: OSError) -> None:
        why = reason.strerror or type(reason).__name__
        super().__init__(f"Kitdesk could not save the prompt library to {path}: {why}.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(name: str) -> str:
    return name.casefold()


class PromptLibrary:
    """Saved prompts: list, add, edit, delete, import; each change one atomic write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup_path = path.with_name(path.name + ".bak")
        self._lock = threading.Lock()

    # ---- reading

    def list(self) -> list[Prompt]:
        with self._lock:
            return self._read()

    def get(self, prompt_id: str) -> Prompt:
        for prompt in self.list():
            if prompt.id == prompt_id:
                return prompt
        raise PromptNotFound

    # ---- changes

    def add(self, draft: PromptDraft) -> Prompt:
        with self._lock:
            prompts = self._read()
            if len(prompts) >= MAX_PROMPTS:
                raise TooManyPrompts
            self._check_name_free(prompts, draft.name)
            stamp = _now()
            prompt = Prompt(_new_id(), draft.name, draft.text, stamp, stamp)
            self._write([*prompts, prompt])
            return prompt

    def update(self, prompt_id: str, draft: PromptDraft) -> Prompt:
        with self._lock:
            prompts = self._read()
            index = next((i for i, p in enumerate(prompts) if p.id == prompt_id), None)
            if index is None:
                raise PromptNotFound
            self._check_name_free(prompts, draft.name, except_id=prompt_id)
            old = prompts[index]
            prompts[index] = Prompt(old.id, draft.name, draft.text, old.created_at, _now())
            self._write(prompts)
            return prompts[index]

    def delete(self, prompt_id: str) -> None:
        with self._lock:
            prompts = self._read()
            kept = [p for p in prompts if p.id != prompt_id]
            if len(kept) == len(prompts):
                raise PromptNotFound
            self._write(kept)

    def import_file(self, raw: bytes) -> ImportSummary:
        """Add an exported file's prompts; one already here (same name and text) is skipped.

        A name taken by a different text gets a number ("Review (2)"). The whole
        file is checked before anything is written: a bad file changes nothing.
        """
        drafts = drafts_of(parse_document(raw))
        with self._lock:
            prompts = self._read()
            # A renamed import ("Review (2)") still counts as present on the next import.
            present = {(_base_name(p.name), p.text) for p in prompts}
            names = {_key(p.name) for p in prompts}
            added: list[Prompt] = []
            already = renamed = 0
            stamp = _now()
            for draft in drafts:
                if (_base_name(draft.name), draft.text) in present:
                    already += 1
                    continue
                name = draft.name
                if _key(name) in names:
                    name = _free_name(name, names)
                    renamed += 1
                present.add((_base_name(draft.name), draft.text))
                names.add(_key(name))
                added.append(Prompt(_new_id(), name, draft.text, stamp, stamp))
            if len(prompts) + len(added) > MAX_PROMPTS:
                raise TooManyPrompts
            if added:
                self._write([*prompts, *added])
            return ImportSummary(added=len(added), already_present=already, renamed=renamed)

    def export_bytes(self) -> bytes:
        """Every prompt in the documented exchange format."""
        return _encode(self.list())

    # ---- the file

    @staticmethod
    def _check_name_free(prompts: list[Prompt], name: str, except_id: str | None = None) -> None:
        if any(_key(p.name) == _key(name) and p.id != except_id for p in prompts):
            raise DuplicatePromptName(name)

    def _read(self) -> list[Prompt]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.warning("could not read the prompt library: %s", exc)
            return []
        try:
            return _decode(raw)
        except PromptFileProblem as problem:
            self._set_aside(problem)
            try:
                recovered = _decode(self.backup_path.read_bytes())
            except (OSError, PromptFileProblem):
                return []
            # The last good copy becomes the live file again, so the next change builds on it.
            with contextlib.suppress(OSError):
                shutil.copy2(self.backup_path, self.path)
            return recovered

    def _set_aside(self, problem: PromptFileProblem) -> None:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
        except OSError:
            log.exception("could not move the unreadable prompt library aside")
            return
        log.warning("prompt library was unreadable (%s); moved to %s", problem.message, aside)

    def _write(self, prompts: list[Prompt]) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".prompts-", dir=folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_encode(prompts))
                    handle.flush()
                    os.fsync(handle.fileno())
                if self.path.exists():
                    # Copy, not move: the live file must exist at every instant.
                    shutil.copy2(self.path, self.backup_path)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _fsync_dir(folder)
        except OSError as exc:
            log.warning("could not save the prompt library: %s", exc)
            raise PromptsNotSaved(self.path, exc) from exc


def _new_id() -> str:
    return "prompt_" + secrets.token_hex(8)


def _base_name(name: str) -> str:
    """The name without the number an import gave it: "Review (2)" -> "Review"."""
    return _NUMBERED.sub("", name)


def _free_name(name: str, taken: set[str]) -> str:
    n = 2
    while _key(f"{name} ({n})") in taken:
        n += 1
    return f"{name} ({n})"


def _encode(prompts: list[Prompt]) -> bytes:
    entries = [
        {
            "id": p.id,
            "name": p.name,
            "text": p.text,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        }
        for p in prompts
    ]
    return json.dumps(document_of(entries), ensure_ascii=False, indent=2).encode("utf-8")


def _decode(raw: bytes) -> list[Prompt]:
    document = parse_document(raw)
    prompts: list[Prompt] = []
    seen: set[str] = set()
    for draft, entry in zip(drafts_of(document), document["prompts"], strict=True):
        prompt_id = entry.get("id")
        if not isinstance(prompt_id, str) or not prompt_id or prompt_id in seen:
            prompt_id = _new_id()
        seen.add(prompt_id)
        created = entry.get("created_at")
        updated = entry.get("updated_at")
        created = created if isinstance(created, str) else _now()
        updated = updated if isinstance(updated, str) else created
        prompts.append(Prompt(prompt_id, draft.name, draft.text, created, updated))
    return prompts


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; not supported on Windows, where it is a no-op."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    with contextlib.suppress(OSError):
        os.fsync(fd)
    os.close(fd)
