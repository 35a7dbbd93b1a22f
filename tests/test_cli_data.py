"""``kitdesk import|export|backup|restore`` as real subprocesses against KITDESK_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kitdesk.paths import Paths

from tests.live_server import LiveServer
from tests.transfer.fixtures import chatgpt_branched, chatgpt_linear, truncate, write_chatgpt_zip
from tests.upstream import Turn, Upstream
from tests.web.test_chatkit import create_thread


def kitdesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kitdesk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )


def test_import_prints_one_line_and_is_idempotent(kitdesk_home: Paths, tmp_path: Path) -> None:
    path = write_chatgpt_zip(tmp_path / "export.zip", [chatgpt_branched().data])
    first = kitdesk("import", str(path))
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "Imported 1 conversation (7 messages); skipped 1 code call, 1 hidden message, 1 image, "
        "1 reasoning summary, 1 system message, 1 tool output.\n"
    )
    again = kitdesk("import", str(path))
    assert again.stdout.startswith("Imported 0 conversations (0 messages); 1 already in Kitdesk")


def test_a_bad_file_gets_a_sentence_and_exit_1(kitdesk_home: Paths, tmp_path: Path) -> None:
    path = write_chatgpt_zip(
        tmp_path / "export.zip", [chatgpt_linear(f"c{i}", 300, text_size=300) for i in range(3)]
    )
    truncate(path, 0.5)
    done = kitdesk("import", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(
        "kitdesk: export.zip cannot be imported: the zip archive is damaged"
    )
    assert "Traceback" not in done.stderr


def test_export_backup_restore_round_trip(kitdesk_home: Paths, tmp_path: Path) -> None:
    kitdesk("import", str(write_chatgpt_zip(tmp_path / "e.zip", [chatgpt_branched().data])))
    exported = kitdesk("export", str(tmp_path / "all.json"))
    assert exported.stdout == f"Exported 1 conversations (7 messages) to {tmp_path / 'all.json'}\n"
    assert (
        json.loads((tmp_path / "all.json").read_text())["threads"][0]["thread"]["title"]
        == "Café 日本"
    )

    backed = kitdesk("backup", str(tmp_path / "backups"))
    assert backed.returncode == 0, backed.stderr
    assert backed.stdout.startswith(f"Backed up to {tmp_path / 'backups'}/kitdesk-backup-")
    [backup] = list((tmp_path / "backups").iterdir())

    kitdesk("import", str(write_chatgpt_zip(tmp_path / "f.zip", [chatgpt_linear("later", 2)])))
    restored = kitdesk("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored the backup made ")
    assert "the data it replaced is in" in restored.stdout
    again = kitdesk("export", str(tmp_path / "after.json"))
    assert again.stdout.startswith("Exported 1 conversations (7 messages)")


def test_import_and_export_work_while_the_app_is_open(
    live_chat: LiveServer, upstream: Upstream, kitdesk_home: Paths, tmp_path: Path
) -> None:
    upstream.script(Turn(text="Hello from the app."))
    create_thread(live_chat, "Open in the app")
    path = write_chatgpt_zip(tmp_path / "e.zip", [chatgpt_linear(f"c{i}", 10) for i in range(20)])
    done = kitdesk("import", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 20 conversations (200 messages)")
    listed = live_chat.chatkit("threads.list", limit=50).json()["data"]
    assert len(listed) == 21
    exported = kitdesk("export", str(tmp_path / "all.json"))
    assert exported.stdout.startswith("Exported 21 conversations")
    missing = kitdesk("restore", str(tmp_path / "nothing.zip"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    backed = kitdesk("backup", str(tmp_path / "b.zip"))
    assert backed.returncode == 0, backed.stderr
    refused = kitdesk("restore", str(tmp_path / "b.zip"))
    assert refused.returncode == 1
    assert "Kitdesk is using this database right now" in refused.stderr
    assert len(live_chat.chatkit("threads.list", limit=50).json()["data"]) == 21
