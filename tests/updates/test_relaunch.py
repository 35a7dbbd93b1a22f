"""The new version starts only after the old process has gone (real processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kitdesk.updates.install import InstallResult
from kitdesk.updates.relaunch import RestartAfterUpdate, spawn_after_exit


def test_the_command_runs_only_once_the_old_process_has_exited(tmp_path: Path) -> None:
    old = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE)
    report = tmp_path / "report.txt"
    probe = f'if kill -0 {old.pid} 2>/dev/null; then echo alive; else echo gone; fi > "{report}"'

    waiter = spawn_after_exit(["/bin/sh", "-c", probe], pid=old.pid)
    assert old.stdin is not None
    old.stdin.close()
    old.wait(30)  # reaped: a zombie would still answer kill -0
    waiter.wait(30)

    assert report.read_text() == "gone\n"


def test_restart_closes_the_window_then_starts_the_new_version(tmp_path: Path) -> None:
    restart = RestartAfterUpdate()
    marker = tmp_path / "started"
    result = InstallResult(
        replaced=tmp_path, previous=None, relaunch=["/bin/sh", "-c", f'echo new > "{marker}"']
    )
    closed: list[bool] = []

    assert restart.request(result) is False  # no window yet: nothing to close
    restart.set_quit(lambda: closed.append(True))
    assert restart.request(result) is True
    assert closed == [True]

    # The helper waits for this test process, which does not exit: check it started, stop it.
    spawned = restart.run_at_exit()
    assert spawned is not None
    spawned.kill()  # it waits for this (live) test process: stop it
    spawned.wait(30)
    assert restart.run_at_exit() is None  # runs once
