"""The single-instance lock and its "come forward" endpoint, with real files and sockets."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

from kitdesk.window.single_instance import (
    INFO_NAME,
    InstanceLock,
    ask_running_instance_to_show,
)


def test_only_one_lock_per_data_folder_and_release_frees_it(tmp_path: Path) -> None:
    first, second = InstanceLock(tmp_path), InstanceLock(tmp_path)
    assert first.acquire() is True
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    second.release()


def test_a_lock_held_by_another_process_is_seen_and_dies_with_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from kitdesk.window.single_instance import InstanceLock; "
            "lock = InstanceLock(Path(sys.argv[1])); print(lock.acquire(), flush=True); "
            "time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        assert InstanceLock(tmp_path).acquire() is False
    finally:
        holder.kill()
        holder.wait()
    # The kernel dropped the dead process's lock: no stale lock file blocks a new start.
    lock = InstanceLock(tmp_path)
    assert lock.acquire() is True
    lock.release()


def test_a_second_launch_reaches_the_first_and_the_secret_stays_private(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path)
    assert lock.acquire()
    shown = threading.Event()
    lock.listen(shown.set)
    try:
        info_path = tmp_path / INFO_NAME
        assert stat.S_IMODE(info_path.stat().st_mode) == 0o600
        assert ask_running_instance_to_show(tmp_path, wait=5) is True
        assert shown.wait(5)
    finally:
        lock.release()
    assert not (tmp_path / INFO_NAME).exists()


def test_a_request_without_the_secret_triggers_nothing(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path)
    assert lock.acquire()
    shown = threading.Event()
    lock.listen(shown.set)
    try:
        info = json.loads((tmp_path / INFO_NAME).read_text())
        with socket.create_connection(("127.0.0.1", info["port"]), timeout=5) as conn:
            conn.sendall(b"not-the-secret\nshow\n")
            conn.shutdown(socket.SHUT_WR)
            assert conn.recv(100) == b""  # closed without an answer
        assert not shown.wait(0.5)
        # The endpoint still serves the rightful caller afterwards.
        assert ask_running_instance_to_show(tmp_path, wait=5) is True
        assert shown.wait(5)
    finally:
        lock.release()


def test_asking_when_nobody_answers_gives_up(tmp_path: Path) -> None:
    (tmp_path / INFO_NAME).write_text(json.dumps({"port": 9, "secret": "x", "pid": 1}))
    assert ask_running_instance_to_show(tmp_path, wait=0.3) is False
