"""The navigation guard: the window stays on the app's origin; outside links open in the browser.

A page that could navigate the window elsewhere would inherit the bridge to
Python, so every backend is held to the app's origin: Qt by vetoing
navigation requests, the others by bringing a strayed page back.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

EXTERNAL_SCHEMES = ("http", "https", "mailto")

# Where a hosted workflow's runtime frame comes from: ``web/routes/hosted.py``'s CDN
# (not imported: the window starts before the web framework loads; a test keeps them equal).
HOSTED_RUNTIME_CDN = "https://cdn.platform.openai.com"
_HOSTED_RUNTIME_ORIGIN = (urlsplit(HOSTED_RUNTIME_CDN).scheme, urlsplit(HOSTED_RUNTIME_CDN).netloc)


class NavigationGuard:
    """Keeps the window on the app's origin; user-clicked outside links go to the browser."""

    def __init__(self, open_external: Callable[[str], object] = webbrowser.open) -> None:
        self._origin: tuple[str, str] | None = None
        self._open_external = open_external

    def set_app_url(self, url: str) -> None:
        parts = urlsplit(url)
        self._origin = (parts.scheme, parts.netloc)

    def allows(self, url: str) -> bool:
        """True for the app's own origin; before the app loads, only the blank loading page."""
        parts = urlsplit(url)
        if self._origin is None:
            return parts.scheme in ("data", "about")
        return (parts.scheme, parts.netloc) == self._origin

    def allows_frame(self, url: str) -> bool:
        """A frame inside the app's pages: the app's origin, or the frame of OpenAI's
        ChatKit runtime that a hosted workflow's document embeds (its own CSP allows
        no other frame)."""
        parts = urlsplit(url)
        return self.allows(url) or (parts.scheme, parts.netloc) == _HOSTED_RUNTIME_ORIGIN

    def open_outside(self, url: str) -> bool:
        """Open a web or mail link in the system's handler; True if it was one."""
        if urlsplit(url).scheme not in EXTERNAL_SCHEMES:
            log.info("refused to open a %s link", urlsplit(url).scheme or "relative")
            return False
        self._open_external(url)
        return True


def install_qt_navigation_guard(guard: NavigationGuard) -> None:
    """Qt: veto navigation in the page itself and vet target=_blank links pywebview opens."""
    from qtpy.QtWebEngineCore import QWebEnginePage
    from webview.platforms import qt as qt_backend

    link_clicked = QWebEnginePage.NavigationType.NavigationTypeLinkClicked

    def accept_in_page(page: Any, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
        target = url.toString()
        if guard.allows(target) if is_main_frame else guard.allows_frame(target):
            return True
        if is_main_frame and nav_type == link_clicked:
            guard.open_outside(target)
        log.info("blocked navigation away from the app")
        return False

    def accept_new_window(page: Any, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
        guard.open_outside(url.toString())
        return False

    qt_backend.BrowserView.WebPage.acceptNavigationRequest = accept_in_page  # type: ignore[method-assign]
    qt_backend.BrowserView.NavigationHandler.acceptNavigationRequest = accept_new_window  # type: ignore[method-assign]


def watch_navigation(window: webview.Window, guard: NavigationGuard, app_url: str) -> None:
    """Other backends: pywebview sends new windows to the browser; bring a strayed page back."""

    def check() -> None:
        current = window.get_current_url() or ""
        if current and not guard.allows(current):
            log.info("the page left the app; reloading the app")
            guard.open_outside(current)
            window.load_url(app_url)

    window.events.loaded += check
