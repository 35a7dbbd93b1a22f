"""The window's process ends once its shutdown is done, even when a thread that is
not a daemon will never finish (a pywebview JS-bridge call left waiting for a GUI
thread that has stopped kept the bundle alive after its window closed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUCK = textwrap.dedent(
    """
    import logging, sys, threading
    from kitdesk.window.process_exit import end_process

    logging.basicConfig(filename=sys.argv[1], level=logging.INFO)
    never = threading.Event()
    threading.Thread(target=never.wait, name="bridge-call").start()  # not a daemon
    finished = []
    threading.Thread(target=lambda: finished.append(1) or print("finished", flush=True)).start()
    logging.getLogger("app").info("server stopped")
    {ending}
    """
)


def run(ending: str, log: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", STUCK.format(ending=ending), str(log)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "desktop"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_stuck_thread_does_not_hold_the_exit_and_the_log_is_kept(tmp_path: Path) -> None:
    log = tmp_path / "kitdesk.log"
    done = run("end_process(3, grace=0.5)", log, timeout=30)
    assert done.returncode == 3
    assert "finished" in done.stdout  # a thread that ends in the grace is waited for
    text = log.read_text()
    assert "server stopped" in text
    assert "not waiting for thread bridge-call at exit" in text


def test_without_it_python_waits_for_the_stuck_thread(tmp_path: Path) -> None:
    """What end_process is for: a plain exit never comes."""
    with pytest.raises(subprocess.TimeoutExpired):
        run("sys.exit(3)", tmp_path / "plain.log", timeout=3)
