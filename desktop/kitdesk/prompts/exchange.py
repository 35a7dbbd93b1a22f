"""The prompt library's JSON format: the file in the data folder, exports and imports.

```json
{
  "format": "kitdesk-prompts",
  "version": 1,
  "prompts": [
    {"name": "Review", "text": "Review this {{language}} code: {{code}}",
     "id": "prompt_…", "created_at": "2026-12-02T03:00:00+00:00", "updated_at": "…"}
  ]
}
```

``name`` (1-100 characters, one line) and ``text`` (1-20,000 characters) are
required; ``id`` and the timestamps are optional and ignored by an import. A
reader refuses a ``version`` newer than its own with a sentence, so an older
Kitdesk never half-reads a newer file. Everything wrong with a file is told as
a sentence a person can act on (``PromptFileProblem``), never a stack trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from kitdesk.errors import UserFacingError

FORMAT = "kitdesk-prompts"
VERSION = 1
MAX_NAME = 100
MAX_TEXT = 20_000


class PromptFileProblem(UserFacingError):
    status = 422
    code = "invalid_prompt_file"


class InvalidPrompt(UserFacingError):
    status = 422
    code = "invalid_prompt"


@dataclass(frozen=True)
class PromptDraft:
    """A prompt's name and text, checked: what a person typed or a file held."""

    name: str
    text: str

    @classmethod
    def checked(cls, name: str, text: str) -> PromptDraft:
        """Trim the name and check both; raises ``InvalidPrompt`` with a sentence."""
        name = name.strip()
        if not name:
            raise InvalidPrompt("name: must not be empty.")
        if len(name) > MAX_NAME:
            raise InvalidPrompt(f"name: must be at most {MAX_NAME} characters.")
        if "\n" in name or "\r" in name:
            raise InvalidPrompt("name: must be one line.")
        if not text.strip():
            raise InvalidPrompt("text: must not be empty.")
        if len(text) > MAX_TEXT:
            raise InvalidPrompt(f"text: must be at most {MAX_TEXT:,} characters.")
        return cls(name=name, text=text)


def document_of(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "prompts": entries}


def parse_document(raw: bytes) -> dict[str, Any]:
    """The decoded file, its format and version checked; raises ``PromptFileProblem``."""
    try:
        document: object = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PromptFileProblem("This file is not text; a prompt library is a JSON file.") from None
    except (json.JSONDecodeError, RecursionError):
        raise PromptFileProblem(
            "This file is not valid JSON (it may be cut short); "
            "a prompt library is a JSON file exported by Kitdesk."
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:  # pyright: ignore[reportUnknownMemberType]
        raise PromptFileProblem(
            f'This file is not a Kitdesk prompt library (it lacks "format": "{FORMAT}").'
        )
    fields = cast(dict[str, Any], document)
    version = fields.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PromptFileProblem("This prompt library has no valid version number.")
    if version > VERSION:
        raise PromptFileProblem(
            f"This prompt library was written by a newer Kitdesk (format version {version}); "
            f"this one reads version {VERSION}. Update Kitdesk to import it."
        )
    if not isinstance(fields.get("prompts"), list):
        raise PromptFileProblem("This prompt library has no list of prompts.")
    return fields


def drafts_of(document: dict[str, Any]) -> list[PromptDraft]:
    """Each entry of a parsed document as a checked draft; the first bad one is named."""
    drafts: list[PromptDraft] = []
    for number, entry in enumerate(cast(list[object], document["prompts"]), start=1):
        if not isinstance(entry, dict):
            raise PromptFileProblem(f"Prompt {number} in this file is not a JSON object.")
        fields = cast(dict[str, Any], entry)
        name, text = fields.get("name"), fields.get("text")
        if not isinstance(name, str) or not isinstance(text, str):
            raise PromptFileProblem(f"Prompt {number} in this file needs a name and a text.")
        try:
            drafts.append(PromptDraft.checked(name, text))
        except InvalidPrompt as problem:
            raise PromptFileProblem(f"Prompt {number} in this file: {problem.message}") from None
    return drafts
