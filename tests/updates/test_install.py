"""Detecting how Kitdesk was installed, and swapping a release in (or refusing to)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from kitdesk.updates.install import install_update, old_path, remove_previous
from kitdesk.updates.installation import Installation, detect_installation
from kitdesk.updates.problems import InstallFailed, ManualUpdateOnly

from tests.updates.conftest import NEW_FILES, make_bundle_archive


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def write(tmp_path: Path, data: bytes) -> Path:
    file = tmp_path / "release.tar.gz"
    file.write_bytes(data)
    return file


def test_the_tar_gz_folder_is_recognised(installed: Installation) -> None:
    assert installed.kind == "linux-folder"
    assert installed.self_updating is True
    assert installed.app_path == installed.executable.parent


def test_a_release_without_the_program_leaves_the_install_untouched(
    installed: Installation, tmp_path: Path
) -> None:
    assert installed.app_path is not None
    before = tree(installed.app_path)
    files = {k: v for k, v in NEW_FILES.items() if k != "kitdesk"}

    with pytest.raises(InstallFailed) as caught:
        install_update(installed, write(tmp_path, make_bundle_archive("0.2.0", files)), "0.2.0")

    assert caught.value.message == "The update archive holds no Kitdesk folder with kitdesk."
    assert tree(installed.app_path) == before
    assert sorted(p.name for p in installed.app_path.parent.iterdir()) == ["kitdesk"]


def test_a_program_that_is_not_executable_is_refused(
    installed: Installation, tmp_path: Path
) -> None:
    archive = make_bundle_archive("0.2.0", NEW_FILES, exe=False)

    with pytest.raises(InstallFailed) as caught:
        install_update(installed, write(tmp_path, archive), "0.2.0")

    assert caught.value.message == "The update 0.2.0 holds no runnable kitdesk."


def test_an_archive_that_escapes_its_folder_is_refused(
    installed: Installation, tmp_path: Path
) -> None:
    assert installed.app_path is not None
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    before = tree(installed.app_path)

    with pytest.raises(InstallFailed) as caught:
        install_update(installed, write(tmp_path, buffer.getvalue()), "0.2.0")

    assert caught.value.message.startswith("Kitdesk 0.2.0 could not be installed (")
    assert caught.value.message.endswith("the current version is unchanged.")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert tree(installed.app_path) == before


def test_a_corrupt_archive_is_refused(installed: Installation, tmp_path: Path) -> None:
    with pytest.raises(InstallFailed):
        install_update(installed, write(tmp_path, b"not a tarball at all"), "0.2.0")
    assert installed.app_path is not None
    assert sorted(p.name for p in installed.app_path.parent.iterdir()) == ["kitdesk"]


def test_a_second_update_replaces_the_kept_previous_folder(
    installed: Installation, tmp_path: Path
) -> None:
    app = installed.app_path
    assert app is not None
    install_update(installed, write(tmp_path, make_bundle_archive("0.2.0", NEW_FILES)), "0.2.0")
    newer = {**NEW_FILES, "kitdesk": b"#!/bin/sh\necho kitdesk 0.3.0\n"}

    result = install_update(
        installed, write(tmp_path, make_bundle_archive("0.3.0", newer)), "0.3.0"
    )

    assert (app / "kitdesk").read_bytes().endswith(b"0.3.0\n")
    assert result.previous == old_path(app)
    assert (old_path(app) / "kitdesk").read_bytes().endswith(b"0.2.0\n")


def make_mac_app(root: Path, version: str) -> Path:
    app = root / "Kitdesk.app"
    macos = app / "Contents" / "MacOS"
    macos.mkdir(parents=True)
    exe = macos / "kitdesk"
    exe.write_text(f"kitdesk {version}")
    exe.chmod(0o755)
    (app / "Contents" / "Info.plist").write_text(version)
    return app


def test_the_macos_app_is_replaced_and_reopened(tmp_path: Path) -> None:
    current = make_mac_app(tmp_path / "Applications", "0.1.0")
    installation = detect_installation(
        executable=current / "Contents" / "MacOS" / "kitdesk",
        frozen=True,
        system="darwin",
        updates_built_in=True,
    )
    staging = tmp_path / "build"
    make_mac_app(staging, "0.2.0")
    archive = tmp_path / "Kitdesk-0.2.0-macos.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging / "Kitdesk.app", arcname="Kitdesk.app")

    result = install_update(installation, archive, "0.2.0")

    assert installation.kind == "macos-app"
    assert installation.app_path == current
    assert (current / "Contents" / "Info.plist").read_text() == "0.2.0"
    assert result.relaunch == ["/usr/bin/open", "-n", str(current)]
    assert remove_previous(installation) is True
    assert sorted(p.name for p in current.parent.iterdir()) == ["Kitdesk.app"]


def test_windows_runs_the_installer_silently_after_quitting(tmp_path: Path) -> None:
    folder = tmp_path / "Kitdesk"
    folder.mkdir()
    (folder / "kitdesk.exe").write_bytes(b"MZ")
    (folder / "unins000.exe").write_bytes(b"MZ")
    installation = detect_installation(
        executable=folder / "kitdesk.exe", frozen=True, system="win32", updates_built_in=True
    )
    setup = tmp_path / "Kitdesk-Setup-0.2.0.exe"

    result = install_update(installation, setup, "0.2.0")

    assert installation.kind == "windows-installer"
    assert result.run_after_exit == [
        str(setup),
        "/SILENT",
        "/SUPPRESSMSGBOXES",
        "/NORESTART",
        "/CLOSEAPPLICATIONS",
        "/relaunch=yes",
    ]
    assert (folder / "kitdesk.exe").read_bytes() == b"MZ"


def test_dpkg_owned_copies_are_left_to_the_package_manager(tmp_path: Path) -> None:
    folder = tmp_path / "opt" / "kitdesk"
    folder.mkdir(parents=True)
    exe = folder / "kitdesk"
    exe.write_bytes(b"")
    dpkg_list = tmp_path / "kitdesk.list"
    dpkg_list.write_text(f"/.\n{folder}\n{exe}\n")

    installation = detect_installation(
        executable=exe, frozen=True, system="linux", updates_built_in=True, dpkg_info=dpkg_list
    )

    assert installation.kind == "package"
    with pytest.raises(ManualUpdateOnly) as caught:
        install_update(installation, tmp_path / "x.tar.gz", "0.2.0")
    assert caught.value.message == "This Kitdesk was installed by apt; update it there."


def test_source_and_flag_off_copies_are_not_self_updating(tmp_path: Path) -> None:
    source = detect_installation(executable=tmp_path / "python", frozen=False, system="linux")
    flag_off = detect_installation(
        executable=tmp_path / "kitdesk", frozen=True, system="linux", updates_built_in=False
    )

    assert source.kind == "source"
    assert source.manual_hint == "This Kitdesk runs from Python; update it with pip or git."
    assert flag_off.kind == "package"
    assert not source.self_updating and not flag_off.self_updating


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_both_swap_methods_put_the_new_folder_in_place(
    installed: Installation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    """Where RENAME_EXCHANGE is missing (other kernels, some file systems) two renames do it."""
    import kitdesk.updates.install as install_module

    if not exchange:
        monkeypatch.setattr(install_module, "_rename_exchange", lambda first, second: False)
    app = installed.app_path
    assert app is not None

    install_update(installed, write(tmp_path, make_bundle_archive("0.2.0", NEW_FILES)), "0.2.0")

    assert (app / "kitdesk").read_bytes().endswith(b"0.2.0\n")
    assert (old_path(app) / "kitdesk").read_bytes().endswith(b"0.1.0\n")
    assert sorted(p.name for p in app.parent.iterdir()) == ["kitdesk", "kitdesk.old"]
