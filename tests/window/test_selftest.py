"""``kitdesk --self-test``: each check on a healthy and a broken installation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from kitdesk.selftest import CheckFailed, check_database, check_webui, run_self_test, webui_dir

from tests.conftest import require


def _webui(folder: Path, index: str, assets: list[str]) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(index)
    for name in assets:
        (folder / name).write_text("/* asset */")
    return folder


INDEX = """<!doctype html><html><head>
<script type="module" crossorigin src="./assets/index-abc.js"></script>
<link rel="stylesheet" crossorigin href="./assets/index-abc.css">
<link rel="icon" href="data:,"><link rel="preconnect" href="https://example.com">
</head><body><div id="root"></div></body></html>"""


def test_a_complete_web_ui_passes(tmp_path: Path) -> None:
    folder = _webui(tmp_path / "ui", INDEX, ["assets/index-abc.js", "assets/index-abc.css"])
    assert check_webui(folder) == f"2 referenced files present in {folder}"


def test_a_missing_asset_is_named(tmp_path: Path) -> None:
    folder = _webui(tmp_path / "ui", INDEX, ["assets/index-abc.js"])
    with pytest.raises(
        CheckFailed, match=r"web UI is incomplete: missing \./assets/index-abc\.css"
    ):
        check_webui(folder)


def test_a_missing_index_is_named(tmp_path: Path) -> None:
    with pytest.raises(CheckFailed, match=r"index\.html does not exist"):
        check_webui(tmp_path / "nothing")


def test_a_fresh_database_opens_and_migrates(tmp_path: Path) -> None:
    assert check_database(tmp_path) == "opened and migrated a new database"
    assert (tmp_path / "selftest.db").exists()


def test_a_healthy_installation_passes(capsys: pytest.CaptureFixture[str]) -> None:
    require((webui_dir() / "index.html").exists(), "the web UI is not built (make webui)")
    assert run_self_test() == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == [
        "ok   web UI",
        "ok   keyring",
        "ok   server",
        "ok   database",
    ]
    assert "GET /api/health -> 200" in lines[2]
    assert lines[-1].startswith("self-test: all checks passed")


def test_no_real_keyring_fails_with_advice(capsys: pytest.CaptureFixture[str]) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # restored by the memory_keyring fixture
    assert run_self_test() == 1
    out = capsys.readouterr().out
    assert "FAIL keyring: no usable keyring backend (got keyring.backends.fail.Keyring)" in out
    assert "OPENAI_API_KEY" in out
    assert "ok   database" in out
    assert "self-test: 1 check(s) failed" in out


def test_the_command_line_runs_it_and_reports_through_the_exit_code(tmp_path: Path) -> None:
    # A fresh process with no D-Bus: keyring falls back to its fail backend.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "kitdesk", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL keyring" in result.stdout
    assert "ok   database" in result.stdout
