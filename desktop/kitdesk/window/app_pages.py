"""Where each window points: the one place that turns the running server into page addresses.

Every window (the main one, extra ones from "New window", the quick-ask
window) shows the app served on loopback. Each has its own private browser
profile, so each first load carries the launch token and trades it for that
window's own cookie; the quick window adds ``#quick``, which survives the
token redirect, and a window opened on one thread adds ``#thread=<id>``. The
navigation guard and the permission policy hold the
windows to ``origin``. A change in how the server is addressed is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from kitdesk.web.address import LaunchAddress

QUICK_FRAGMENT = "#quick"
THREAD_FRAGMENT = "#thread="  # webui/src/app/desktop.ts threadFromLocation reads it


@dataclass(frozen=True)
class AppPages:
    """The addresses of the server's pages, for the windows to load (known as soon as
    its socket listens, before it answers)."""

    origin: str  # scheme://host:port, what the windows may navigate within
    launch: str  # the first load of a window: trades the launch token for a cookie

    @classmethod
    def of(cls, address: LaunchAddress) -> AppPages:
        return cls(origin=address.origin, launch=address.url)

    def main(self) -> str:
        """A main window: the app, on the thread that window's own memory names (or a new one)."""
        return self.launch

    def thread(self, thread_id: str) -> str:
        """A main window opened on one thread ("Open in new window" on a chat)."""
        return f"{self.launch}{THREAD_FRAGMENT}{quote(thread_id, safe='')}"

    def quick(self) -> str:
        """The quick-ask window: the compact composer on the default model."""
        return f"{self.launch}{QUICK_FRAGMENT}"
