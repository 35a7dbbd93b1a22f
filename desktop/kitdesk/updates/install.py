"""Putting a verified release in place of the running one ("Restart to update").

- Linux (.tar.gz folder) and macOS (.app in a .tar.gz): the archive is unpacked
  next to the app (same file system), checked to hold the program, and swapped
  in. On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; where that
  is missing it is two renames with a roll-back, so at every moment either the
  old or the new folder is in place. The old folder stays as ``<name>.old``
  until the new version has started (``remove_previous``), and a failure
  before the swap leaves the installed app untouched.
- Windows: the signed Inno Setup installer runs silently once Kitdesk quits
  (``/relaunch=yes`` makes it start Kitdesk again; see build/windows/kitdesk.iss).
- Package-manager and source installs are never touched: ``ManualUpdateOnly``
  carries the sentence that tells the person what to do.

Running programs keep their open files, so replacing the folder under the
running Kitdesk is safe on Linux and macOS; the new files are used from the
next start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from kitdesk.updates.installation import Installation
from kitdesk.updates.problems import InstallFailed, ManualUpdateOnly

STAGING_PREFIX = ".kitdesk-update-"
OLD_SUFFIX = ".old"


@dataclass(frozen=True)
class InstallResult:
    """What happened, and the command that starts the new version once this one has quit."""

    replaced: Path | None
    previous: Path | None
    relaunch: list[str]
    # Windows: the installer to start after quitting (it relaunches Kitdesk itself).
    run_after_exit: list[str] | None = None


def install_update(installation: Installation, file: Path, version: str) -> InstallResult:
    """Apply a downloaded, verified release; raises ``ManualUpdateOnly`` or ``InstallFailed``."""
    if not installation.self_updating or installation.app_path is None:
        raise ManualUpdateOnly(installation.manual_hint or "Update this Kitdesk by hand.")
    if installation.kind == "windows-installer":
        installer = [
            str(file),
            "/SILENT",
            "/SUPPRESSMSGBOXES",
            "/NORESTART",
            "/CLOSEAPPLICATIONS",
            "/relaunch=yes",
        ]
        return InstallResult(replaced=None, previous=None, relaunch=[], run_after_exit=installer)
    import tarfile  # here, not at the top: the server imports this module while starting

    app = installation.app_path
    staging = app.parent / f"{STAGING_PREFIX}{version}"
    try:
        _unpack(file, staging)
        if installation.kind == "macos-app":
            new_app = _find_app_bundle(staging, installation.executable.name)
            new_exe = new_app / "Contents" / "MacOS" / installation.executable.name
        else:
            new_app = _find_folder_with(staging, installation.executable.name)
            new_exe = new_app / installation.executable.name
        if not os.access(new_exe, os.X_OK):
            raise InstallFailed(f"The update {version} holds no runnable {new_exe.name}.")
        previous = _swap_in(new_app, app)
    except InstallFailed:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except (OSError, tarfile.TarError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InstallFailed(
            f"Kitdesk {version} could not be installed ({exc}); the current version is unchanged."
        ) from None
    shutil.rmtree(staging, ignore_errors=True)
    if installation.kind == "macos-app":
        relaunch = ["/usr/bin/open", "-n", str(app)]
    else:
        relaunch = [str(app / installation.executable.name)]
    return InstallResult(replaced=app, previous=previous, relaunch=relaunch)


def _unpack(archive: Path, staging: Path) -> None:
    import tarfile

    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(archive, "r:*") as tar:
        # "data" refuses absolute paths, "..", links out of the folder and device files.
        tar.extractall(staging, filter="data")


def _find_folder_with(staging: Path, exe_name: str) -> Path:
    """The bundle folder in the archive: the one (at most two levels down) holding the program."""
    candidates = [staging, *staging.iterdir()]
    candidates += [sub for top in staging.iterdir() if top.is_dir() for sub in top.iterdir()]
    for folder in candidates:
        if folder.is_dir() and (folder / exe_name).is_file():
            return folder
    raise InstallFailed(f"The update archive holds no Kitdesk folder with {exe_name}.")


def _find_app_bundle(staging: Path, exe_name: str) -> Path:
    for app in [*staging.glob("*.app"), *staging.glob("*/*.app")]:
        if (app / "Contents" / "MacOS" / exe_name).is_file():
            return app
    raise InstallFailed("The update archive holds no Kitdesk .app.")


def old_path(app: Path) -> Path:
    return app.with_name(app.name + OLD_SUFFIX)


def _swap_in(new: Path, app: Path) -> Path:
    """Put ``new`` where ``app`` is; return where the old one now lives."""
    previous = old_path(app)
    shutil.rmtree(previous, ignore_errors=True)
    if _rename_exchange(new, app):
        os.rename(new, previous)  # ``new`` now names the old folder
        return previous
    os.rename(app, previous)
    try:
        os.rename(new, app)
    except OSError:
        os.rename(previous, app)  # roll back: the old version stays installed
        raise
    return previous


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _rename_exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux 3.15+, glibc 2.28+); False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return result == 0  # EINVAL / ENOSYS (e.g. some file systems): use the two renames


def remove_previous(installation: Installation) -> bool:
    """Delete the folder an update left behind; call once the new version runs."""
    if installation.app_path is None:
        return False
    previous = old_path(installation.app_path)
    with contextlib.suppress(OSError):
        for leftover in installation.app_path.parent.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    if not previous.exists():
        return False
    shutil.rmtree(previous, ignore_errors=True)
    return not previous.exists()
