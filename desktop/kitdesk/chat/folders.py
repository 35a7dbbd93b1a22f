"""What a thread inherits from its folder: the system prompt and the default model.

A folder ("project", ``store/organise.py``) may carry a system prompt and a
default model. A turn in a thread inside it uses the folder's system prompt
unless the thread has one of its own (``system_prompt`` in its metadata), in
place of the one in Settings; a thread with no model of its own yet (a new
chat) starts on the folder's default model unless the composer picked one.
"""

from __future__ import annotations

from chatkit.types import ThreadMetadata

from kitdesk.settings import Settings
from kitdesk.store.organise import Folder

THREAD_SYSTEM_PROMPT_KEY = "system_prompt"


def thread_system_prompt(thread: ThreadMetadata) -> str | None:
    own = thread.metadata.get(THREAD_SYSTEM_PROMPT_KEY)
    return own if isinstance(own, str) and own.strip() else None


def settings_in_folder(
    settings: Settings, thread: ThreadMetadata, folder: Folder | None
) -> Settings:
    """The settings a turn uses: the thread's or its folder's system prompt over Settings'."""
    prompt = thread_system_prompt(thread) or (folder.system_prompt if folder else None)
    if prompt is None or prompt == settings.system_prompt:
        return settings
    return settings.model_copy(update={"system_prompt": prompt})


def folder_model(folder: Folder | None) -> str | None:
    return folder.default_model if folder is not None and folder.default_model else None
