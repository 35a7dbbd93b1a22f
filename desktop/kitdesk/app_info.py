"""The first thing the UI asks (``GET /api/app``) and the few services it needs.

The answer decides whether the UI shows onboarding or the chat, so the window
is not usable before it arrives. Everything here imports quickly (pydantic;
no FastAPI, OpenAI client, ChatKit SDK or keyring library: whether a keyring
is there comes from ``keyring_presence.py`` until a key is used), which lets the server
answer it while the full application is still importing: measured here, that
takes the window from launch to a usable composer in about half the time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kitdesk import __version__
from kitdesk.keys import KeyStore, keyring_status
from kitdesk.paths import Paths
from kitdesk.providers.resolver import ProviderResolver
from kitdesk.settings import SettingsFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Basics:
    """Folders, settings and keys: shared by the early answer and the full app,
    so both read the same settings file object and the same key cache."""

    paths: Paths
    settings_file: SettingsFile
    keys: KeyStore
    version: str = __version__


def open_basics(paths: Paths) -> Basics:
    paths.create()
    basics = Basics(paths=paths, settings_file=SettingsFile(paths.settings_path), keys=KeyStore())
    # Reads the settings (and, with keys stored, the keyring: about 80 ms the
    # first time) now, before the UI asks, instead of while it waits. A failure here
    # is not fatal: the request that needs it reports it.
    try:
        describe_app(basics)
    except Exception:
        log.exception("warming up the app status failed")
    return basics


def describe_app(basics: Basics) -> dict[str, Any]:
    """Version, folders, whether a provider is usable yet, default model, theme, language,
    keyring."""
    settings = basics.settings_file.settings
    providers = ProviderResolver(settings, basics.keys)
    keyring = keyring_status()
    recovered = basics.settings_file.recovered_from
    paths = basics.paths
    return {
        "version": basics.version,
        "data_dir": str(paths.data_dir),
        "log_dir": str(paths.log_dir),
        "config_dir": str(paths.config_dir),
        "needs_onboarding": not providers.ready_providers(),
        "default_model": providers.default_ref(),
        "theme": settings.theme,
        "language": settings.language,
        "keyring": {
            "backend": keyring.backend,
            "usable": keyring.usable,
            "message": keyring.message,
        },
        "settings_recovered_from": str(recovered) if recovered else None,
    }
