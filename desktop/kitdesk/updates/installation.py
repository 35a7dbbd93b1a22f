"""How this copy of Kitdesk was installed, which decides how (or whether) it updates itself.

=====================  ===========================================  =====================
kind                   recognised by                                "Restart to update"
=====================  ===========================================  =====================
``windows-installer``  frozen on Windows, ``unins000.exe`` beside    runs the new installer
                       the executable (Inno Setup)
``macos-app``          frozen inside ``Something.app/Contents/      replaces the .app
                       MacOS``
``linux-folder``       frozen on Linux in a folder the person can   replaces the folder
                       write to (the .tar.gz download)
``package``            the build flag is off, or a                  says to use the
                       ``kitdesk-package-manager`` file beside the   package manager
                       executable (the .deb writes it), or dpkg
                       owns the executable, or the folder is not
                       writable
``source``             not frozen (pip, git checkout)               says to use pip/git
=====================  ===========================================  =====================
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

InstallKind = Literal["windows-installer", "macos-app", "linux-folder", "package", "source"]

# Written by build/linux/package.sh into the .deb's /opt/kitdesk; its text names
# the package manager ("apt") for the message.
PACKAGE_MARKER = "kitdesk-package-manager"
DPKG_INFO = Path("/var/lib/dpkg/info/kitdesk.list")


@dataclass(frozen=True)
class Installation:
    kind: InstallKind
    # What an update replaces: the onedir folder (Linux), the .app (macOS), the
    # install folder (Windows); None for source and package installs.
    app_path: Path | None
    executable: Path
    # For ``package`` and ``source``: the sentence telling the person how to update.
    manual_hint: str = ""

    @property
    def self_updating(self) -> bool:
        return self.kind in ("windows-installer", "macos-app", "linux-folder")


def _dpkg_owns(executable: Path, dpkg_info: Path) -> bool:
    try:
        listed = dpkg_info.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return str(executable) in listed or str(executable.parent) in listed


def _package(executable: Path, manager: str = "") -> Installation:
    manager = manager.strip() or "your package manager"
    return Installation(
        kind="package",
        app_path=None,
        executable=executable,
        manual_hint=f"This Kitdesk was installed by {manager}; update it there.",
    )


def detect_installation(
    *,
    executable: Path | None = None,
    frozen: bool | None = None,
    system: str | None = None,
    updates_built_in: bool | None = None,
    dpkg_info: Path = DPKG_INFO,
) -> Installation:
    """Look at the running program (every argument defaults to the real process)."""
    executable = (executable or Path(sys.executable)).resolve()
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    system = system or sys.platform
    if updates_built_in is None:
        from kitdesk._build_flags import UPDATES_ENABLED

        updates_built_in = UPDATES_ENABLED
    if not updates_built_in:
        return _package(executable)
    if not frozen:
        return Installation(
            kind="source",
            app_path=None,
            executable=executable,
            manual_hint="This Kitdesk runs from Python; update it with pip or git.",
        )
    folder = executable.parent
    marker = folder / PACKAGE_MARKER
    if marker.is_file():
        return _package(executable, marker.read_text(encoding="utf-8", errors="replace")[:40])
    if system.startswith("win"):
        if (folder / "unins000.exe").is_file():
            return Installation(kind="windows-installer", app_path=folder, executable=executable)
        return _package(executable, "whoever installed it")
    if system == "darwin":
        app = folder.parent.parent
        if folder.name == "MacOS" and app.suffix == ".app":
            if os.access(app.parent, os.W_OK):
                return Installation(kind="macos-app", app_path=app, executable=executable)
            return _not_writable(executable, app)
        return _package(executable)
    if _dpkg_owns(executable, dpkg_info):
        return _package(executable, "apt")
    if not os.access(folder.parent, os.W_OK):
        return _not_writable(executable, folder)
    return Installation(kind="linux-folder", app_path=folder, executable=executable)


def _not_writable(executable: Path, app_path: Path) -> Installation:
    return Installation(
        kind="package",
        app_path=None,
        executable=executable,
        manual_hint=(
            f"Kitdesk cannot replace {app_path} (no permission to write there); "
            "download the new version from the website."
        ),
    )
