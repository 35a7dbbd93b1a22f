"""The window's size and place between launches (``window.json`` in the config dir).

Events are tracked while the window lives so the last *normal* (not maximized,
not minimized) geometry is what gets remembered; Qt is asked directly at close
because it knows the normal geometry even while maximized.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import webview

MIN_SIZE = (720, 480)
DEFAULT_SIZE = (1100, 760)
GEOMETRY_FILE = "window.json"


@dataclass
class WindowGeometry:
    """Size and place of the window between launches (``window.json`` in the config dir)."""

    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    x: int | None = None
    y: int | None = None
    maximized: bool = False

    @classmethod
    def load(cls, path: Path) -> WindowGeometry:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()

        def number(key: str) -> int | None:
            value = raw.get(key)
            return value if type(value) is int else None

        geometry = cls(
            width=max(number("width") or DEFAULT_SIZE[0], MIN_SIZE[0]),
            height=max(number("height") or DEFAULT_SIZE[1], MIN_SIZE[1]),
            x=number("x"),
            y=number("y"),
            maximized=raw.get("maximized") is True,
        )
        if (
            geometry.x is None
            or geometry.y is None
            or not (-10_000 < geometry.x < 20_000 and -10_000 < geometry.y < 20_000)
        ):
            geometry.x = geometry.y = None
        return geometry

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"width": self.width, "height": self.height, "maximized": self.maximized}
        if self.x is not None and self.y is not None:
            data |= {"x": self.x, "y": self.y}
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)


@dataclass
class GeometryTracker:
    """Follows window events so the last normal (not maximized) geometry is known at close."""

    geometry: WindowGeometry
    minimized: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_resized(self, width: int, height: int) -> None:
        with self._lock:
            if not self.geometry.maximized and not self.minimized:
                self.geometry.width, self.geometry.height = width, height

    def on_moved(self, x: int, y: int) -> None:
        with self._lock:
            if not self.geometry.maximized and not self.minimized:
                self.geometry.x, self.geometry.y = x, y

    def on_maximized(self) -> None:
        with self._lock:
            self.geometry.maximized, self.minimized = True, False

    def on_minimized(self) -> None:
        with self._lock:
            self.minimized = True

    def on_restored(self) -> None:
        with self._lock:
            self.geometry.maximized = self.minimized = False

    def connect(self, window: webview.Window) -> None:
        window.events.resized += self.on_resized
        window.events.moved += self.on_moved
        window.events.maximized += self.on_maximized
        window.events.minimized += self.on_minimized
        window.events.restored += self.on_restored


def read_qt_geometry(window: webview.Window, geometry: WindowGeometry) -> None:
    """Qt knows the exact normal geometry even while maximized; prefer it to tracked events."""
    native: Any = window.native
    if native is None:
        return
    geometry.maximized = bool(native.isMaximized())
    if geometry.maximized:
        normal = native.normalGeometry()
        geometry.width, geometry.height = normal.width(), normal.height()
    else:
        geometry.width, geometry.height = native.width(), native.height()
        frame = native.frameGeometry()  # move() places the frame, so store the frame's corner
        screen = native.screen  # pywebview keeps the QRect it places windows from here
        geometry.x, geometry.y = frame.x() - screen.x(), frame.y() - screen.y()
