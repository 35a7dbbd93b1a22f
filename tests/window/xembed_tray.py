"""A real XEmbed system tray (Debian's ``trayer``) on a test display, and how to find the
icon Qt docks in it and the menu that icon pops up.

With no StatusNotifierWatcher on the session bus, Qt's QSystemTrayIcon docks an
XEmbed icon window in whatever owns the ``_NET_SYSTEM_TRAY_S0`` selection, as on a
desktop with a classic panel. Trayer is drawn here as a thin dark bar along the top
of the screen with its icons on the right, the way such a panel usually sits. What
is on screen is read with the X tools a person debugging it would use (xwininfo,
xprop), clicked with xdotool and grabbed with ImageMagick, like the other window
screenshots.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.window import x11

PANEL_HEIGHT = 30
PANEL_TINT = "0x2e3440"  # a dark panel, so the icon and the light menu read against it
BLANK = 0.02  # the grey level's standard deviation at or under which a region shows nothing


@dataclass(frozen=True)
class Box:
    """A rectangle on the screen, in pixels from its top left corner."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def around(self, other: Box, margin_x: int, margin_y: int, screen: Box) -> Box:
        """The smallest box holding both, grown by the margins and kept on the screen."""
        left = max(min(self.x, other.x) - margin_x, screen.x)
        top = max(min(self.y, other.y) - margin_y, screen.y)
        right = min(max(self.right, other.right) + margin_x, screen.right)
        bottom = min(max(self.bottom, other.bottom) + margin_y, screen.bottom)
        return Box(left, top, right - left, bottom - top)

    def within(self, outer: Box) -> Box:
        """This box in the coordinates of ``outer`` (e.g. in a cropped screenshot)."""
        return Box(self.x - outer.x, self.y - outer.y, self.width, self.height)

    def crop(self) -> str:
        """ImageMagick's WxH+X+Y."""
        return f"{self.width}x{self.height}+{self.x}+{self.y}"


def _x_env(display: str) -> dict[str, str]:
    return {"DISPLAY": display, "PATH": "/usr/bin:/bin"}


def _run(display: str, *command: str) -> str:
    return subprocess.run(
        command, env=_x_env(display), capture_output=True, text=True, check=True, timeout=30
    ).stdout


@contextlib.contextmanager
def trayer(display: str, screen_width: int) -> Iterator[int]:
    """Run trayer as the display's system tray; yield its panel window once it is up."""
    proc = subprocess.Popen(
        [
            "trayer",
            *("--edge", "top", "--align", "right"),
            *("--widthtype", "pixel", "--width", str(screen_width)),
            *("--heighttype", "pixel", "--height", str(PANEL_HEIGHT)),
            *("--transparent", "true", "--alpha", "0", "--tint", PANEL_TINT),
            *("--SetDockType", "false", "--SetPartialStrut", "false"),
        ],
        env=_x_env(display),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        panel = x11.wait_for_window(display, "panel")
        yield panel.window
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _is_xembed_client(display: str, window: int) -> bool:
    """XEmbed clients (what a tray docks) carry the _XEMBED_INFO property."""
    try:
        return "not found" not in _run(display, "xprop", "-id", str(window), "_XEMBED_INFO")
    except subprocess.CalledProcessError:  # gone while we looked
        return False


def docked_icons(display: str, panel: int) -> list[int]:
    """The client windows embedded in the tray panel (one per tray icon)."""
    with x11.Display(display) as dpy:
        inside = dpy.descendants(panel)
    return [window for window in inside if _is_xembed_client(display, window)]


def wait_for_icon(display: str, panel: int, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while not (icons := docked_icons(display, panel)):
        if time.monotonic() > deadline:
            tree = _run(display, "xwininfo", "-root", "-tree")
            raise TimeoutError(f"no icon was docked in the tray; the windows:\n{tree}")
        time.sleep(0.2)
    assert len(icons) == 1, f"one tray icon expected, found {icons}"
    return icons[0]


def geometry(display: str, window: int) -> Box:
    """Where a window is on the screen and how big (xwininfo's absolute position)."""
    lines = _run(display, "xwininfo", "-id", str(window)).splitlines()
    info = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}
    return Box(
        int(info["Absolute upper-left X"]),
        int(info["Absolute upper-left Y"]),
        int(info["Width"]),
        int(info["Height"]),
    )


def _is_open_menu(display: str, window: int) -> bool:
    # Qt makes and drops helper windows while we look: one gone is simply not a menu.
    with contextlib.suppress(subprocess.CalledProcessError):
        types = _run(display, "xprop", "-id", str(window), "_NET_WM_WINDOW_TYPE")
        if "_NET_WM_WINDOW_TYPE_POPUP_MENU" in types:
            return "Map State: IsViewable" in _run(display, "xwininfo", "-id", str(window))
    return False


def open_menus(display: str) -> list[int]:
    """Top-level windows on screen that say they are popup menus."""
    with x11.Display(display) as dpy:
        candidates = dpy.children()
    return [window for window in candidates if _is_open_menu(display, window)]


def wait_for_menu(display: str, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while not (menus := open_menus(display)):
        if time.monotonic() > deadline:
            raise TimeoutError("no popup menu appeared")
        time.sleep(0.1)
    assert len(menus) == 1, f"one open menu expected, found {menus}"
    return menus[0]


def wait_for_no_menu(display: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while open_menus(display):
        if time.monotonic() > deadline:
            raise TimeoutError("the popup menu stayed open")
        time.sleep(0.1)


def pointer(display: str) -> tuple[int, int]:
    """Where the pointer is on the screen."""
    location = _run(display, "xdotool", "getmouselocation", "--shell").splitlines()
    values = {key: value for key, _, value in (line.partition("=") for line in location)}
    return int(values["X"]), int(values["Y"])


def click(display: str, window: int, button: int) -> None:
    """A pointer click (1 left, 3 right) on ``window``, near its bottom edge: Qt opens a
    tray menu where the pointer is, so the menu leaves the icon in view.

    Toolkits (Qt's QGuiApplication among them) take a press within the double-click
    interval (400 ms) and a few pixels (5) of the last one for a double click, and a
    right double click opens no menu. Clicks in quick succession do happen here (a menu
    picked with the keys, then the next one opened), so each click lands at whichever
    side of the icon is farther from the pointer, i.e. from the last click."""
    box = geometry(display, window)
    inset = max(box.width // 5, 2)
    left, right = box.x + inset, box.right - 1 - inset
    here_x, _here_y = pointer(display)
    x = left if abs(here_x - left) >= abs(here_x - right) else right
    y = box.bottom - 2
    _run(display, "xdotool", "mousemove", str(x), str(y), "click", str(button))


def keys(display: str, *names: str) -> None:
    _run(display, "xdotool", "key", "--delay", "80", *names)


def grab(display: str, box: Box, target: Path) -> Path:
    """The part ``box`` of the screen as PNG."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        whole = x11.screenshot(display, Path(tmp) / "screen.png")
        part = Path(tmp) / "part.png"
        subprocess.run(
            ["convert", str(whole), "-crop", box.crop(), "+repage", str(part)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        shutil.move(part, target)
    return target


def grab_settled(display: str, box: Box, painted: Box, target: Path, timeout: float = 60.0) -> Path:
    """Grab ``box`` once the picture has settled: its part ``painted`` (relative to ``box``)
    shows something (Qt maps a window first and paints it a moment later) and two grabs in a
    row are the same pixels (the web view has drawn what its page holds, no spinner runs)."""
    deadline = time.monotonic() + timeout
    previous = target.with_name(f".{target.stem}-previous.png")
    grab(display, box, previous)
    while True:
        time.sleep(0.3)
        grab(display, box, target)
        if spread(target, painted) > BLANK and _same_pixels(previous, target):
            previous.unlink()
            return target
        if time.monotonic() > deadline:
            raise TimeoutError(f"{target.name} did not settle (or {painted} stayed blank)")
        shutil.copyfile(target, previous)


def _same_pixels(first: Path, second: Path) -> bool:
    # ImageMagick's compare exits 0 when the images are the same, 1 when they differ.
    differs = subprocess.run(
        ["compare", "-metric", "AE", str(first), str(second), "null:"],
        capture_output=True,
        timeout=30,
    )
    return differs.returncode == 0


def spread(image: Path, box: Box | None = None) -> float:
    """Standard deviation of the grey level (0 to 1) of an image or part of it: 0 is blank."""
    crop = ["-crop", box.crop(), "+repage"] if box is not None else []
    out = subprocess.run(
        [
            "convert",
            str(image),
            *crop,
            *("-colorspace", "Gray", "-format", "%[fx:standard_deviation]", "info:"),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return float(out)
