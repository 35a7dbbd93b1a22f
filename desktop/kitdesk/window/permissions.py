"""Device permissions: the microphone for the app's own origin (dictation), nothing else.

pywebview would grant camera and microphone to any page; this replaces its
policy before the window exists.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# Dictation needs the microphone; nothing in Kitdesk needs a camera, the screen,
# the location or anything else a page may ask for. Names are Qt's
# (QWebEnginePermission.PermissionType and the older QWebEnginePage.Feature).
GRANTED_PERMISSIONS = frozenset({"MediaAudioCapture"})
# pywebview's Chromium switch that says yes to every camera and microphone request.
AUTO_ACCEPT_MEDIA_FLAG = "--use-fake-ui-for-media-stream"


class PermissionPolicy:
    """Grants the microphone to the app's own origin, and nothing to anyone else."""

    def __init__(self) -> None:
        self._origin: tuple[str, str, int | None] | None = None

    def set_app_url(self, url: str) -> None:
        self._origin = _origin_of(url)

    def allows(self, origin: str, permission: str) -> bool:
        if self._origin is None or permission not in GRANTED_PERMISSIONS:
            return False
        return _origin_of(origin) == self._origin


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return (parts.scheme.lower(), parts.hostname.lower(), port)


def install_qt_permission_policy(policy: PermissionPolicy) -> None:
    """Qt: answer device permission requests by the policy.

    pywebview grants every camera and microphone request from any origin, twice
    over: it starts Chromium with ``--use-fake-ui-for-media-stream`` (which
    accepts capture requests without asking Qt at all) and its page handler
    grants them. The flag is dropped and the handler replaced, before the
    window exists. Qt 6.8+ sends each request twice (permissionRequested, then
    the deprecated featurePermissionRequested); there the new signal answers
    and the old one is left alone.
    """
    from qtpy.QtWebEngineCore import QWebEnginePage
    from webview.platforms import qt as qt_backend

    backend: Any = qt_backend  # pywebview's helper is imported there, not exported
    append_flags = backend.environ_append

    def environ_append(key: str, *values: str, sep: str = " ") -> None:
        kept = [value for value in values if value != AUTO_ACCEPT_MEDIA_FLAG]
        if kept:
            append_flags(key, *kept, sep=sep)

    backend.environ_append = environ_append

    page_class: Any = qt_backend.BrowserView.WebPage
    modern = hasattr(QWebEnginePage, "permissionRequested")

    def decide(origin: str, permission: str) -> bool:
        granted = policy.allows(origin, permission)
        log.info("%s %s permission", "granted" if granted else "denied", permission)
        return granted

    def on_feature_permission_requested(page: Any, url: Any, feature: Any) -> None:
        if modern:
            return
        granted = decide(url.toString(), feature.name)
        answer = QWebEnginePage.PermissionPolicy
        page.setFeaturePermission(
            url,
            feature,
            answer.PermissionGrantedByUser if granted else answer.PermissionDeniedByUser,
        )

    def on_permission_requested(permission: Any) -> None:
        origin = permission.origin().toString()
        if decide(origin, permission.permissionType().name):
            permission.grant()
        else:
            permission.deny()

    original_init = page_class.__init__

    def init(page: Any, *args: Any, **kwargs: Any) -> None:
        original_init(page, *args, **kwargs)
        if modern:
            page.permissionRequested.connect(on_permission_requested)

    page_class.onFeaturePermissionRequested = on_feature_permission_requested
    page_class.__init__ = init
