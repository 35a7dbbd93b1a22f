"""Importing a large ChatGPT export: messages per second and memory above idle.

Generates (once, cached in the temp folder) a ChatGPT data export of 5,000
conversations, ~108,000 messages and about 100 MB of ``conversations.json`` (zipped, as ChatGPT
sends it), with branches every few turns. Each measurement runs in a fresh
child process that reports its peak RSS (``ru_maxrss``) against its RSS
just before the import started:

- parse only: the streaming reader (what bounds memory);
- into the store: the whole ``kitdesk import`` path (``SQLiteStore.import_file``)
  into a new database: a check of the whole file, then batches read on one
  thread while the writer commits the previous one with full-text indexing,
  and the database closed (its last WAL checkpoint) inside the timing. CPU
  seconds are printed too: on a shared machine they move far less than the wall
  clock does.

Targets (issue 8): at most 60 s and at most 200 MB above idle for the import.

    python -m tests.bench import        (or: python -m tests.bench.bench_import)
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

CONVERSATIONS = 5_000
TARGET_BYTES = 100 * 1024 * 1024
DATA_VERSION = 2

_WORDS = (
    "the of and to in is you that it for was on are with as be this have from or by not but "
    "python sqlite index query thread message answer model token stream server window recipe "
    "garden travel budget invoice music guitar physics history language grammar poem story "
    "rocket planet ocean mountain river forest weather coffee bread cheese tomato lemon"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _conversation(index: int, rng: random.Random, words_per_message: int) -> dict[str, object]:
    conversation_id = f"bench-{index:05d}"
    root = f"{conversation_id}-root"
    mapping: dict[str, dict[str, object]] = {
        root: {"id": root, "message": None, "parent": None, "children": []}
    }
    clock = 1_700_000_000.0 + index * 100

    def add(parent: str, role: str, text: str) -> str:
        nonlocal clock
        clock += 1
        node = f"{conversation_id}-{len(mapping)}"
        message = {
            "id": node,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": clock,
            "content": {"content_type": "text", "parts": [text]},
            "status": "finished_successfully",
            "metadata": {"model_slug": "gpt-4o"} if role == "assistant" else {},
            "recipient": "all",
        }
        mapping[node] = {"id": node, "message": message, "parent": parent, "children": []}
        children = mapping[parent]["children"]
        assert isinstance(children, list)
        children.append(node)
        return node

    parent = root
    for turn in range(rng.randint(4, 16)):
        question = add(parent, "user", _text(rng, words_per_message // 4))
        answer = add(question, "assistant", _text(rng, words_per_message))
        if turn % 5 == 4:  # a regenerated answer now and then
            answer = add(question, "assistant", _text(rng, words_per_message))
        parent = answer
    return {
        "id": conversation_id,
        "conversation_id": conversation_id,
        "title": f"Conversation {index} {_text(rng, 3)}",
        "create_time": 1_700_000_000.0 + index * 100,
        "update_time": clock,
        "mapping": mapping,
        "current_node": parent,
    }


def export_path() -> Path:
    """The cached export zip, generated on first use (streamed: never whole in memory)."""
    folder = Path(tempfile.gettempdir()) / f"kitdesk-bench-import-v{DATA_VERSION}"
    path = folder / "chatgpt-export.zip"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(8)
    # About 10 turns of 1.25 messages and ~7 bytes a word in JSON: size words to the target.
    words = max(8, TARGET_BYTES // CONVERSATIONS // 13 // 9)
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("conversations.json", "w", force_zip64=True) as out:
            out.write(b"[")
            for index in range(CONVERSATIONS):
                if index:
                    out.write(b",")
                out.write(json.dumps(_conversation(index, rng, words)).encode())
            out.write(b"]")
    partial.replace(path)
    return path


_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20

    mode, path, home = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    from kitdesk.transfer import read_threads
    if mode == "store":
        import asyncio
        from kitdesk.store import SQLiteStore
        store = SQLiteStore(home / "kitdesk.db", home / "attachments")
    idle = rss_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    if mode == "parse":
        threads = messages = 0
        for thread in read_threads(path):
            threads += 1
            messages += len(thread.nodes)
    else:
        result = asyncio.run(store.import_file(path))
        store.close_sync()
        threads, messages = result.threads, result.messages
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"threads": threads, "messages": messages, "seconds": elapsed,
                      "cpu_seconds": cpu, "idle_mb": idle, "peak_mb": peak}))
    """
)


def _run(mode: str, path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, mode, str(path), home],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout)


def main() -> None:
    path = export_path()
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("conversations.json").file_size
    print(f"ChatGPT export: {CONVERSATIONS:,} conversations, {size / 2**20:.0f} MB of JSON")
    print(
        f"{'step':<16}{'seconds':>10}{'CPU s':>8}{'messages/s':>14}{'MB above idle':>16}"
        f"{'target':>22}"
    )
    for mode in ("parse", "store"):
        result = _run(mode, path)
        rate = result["messages"] / result["seconds"]
        above = result["peak_mb"] - result["idle_mb"]
        target = "<= 60 s, <= 200 MB" if mode == "store" else ""
        print(
            f"{mode:<16}{result['seconds']:>10.1f}{result['cpu_seconds']:>8.1f}{rate:>14,.0f}"
            f"{above:>16.0f}{target:>22}"
        )


if __name__ == "__main__":
    main()
