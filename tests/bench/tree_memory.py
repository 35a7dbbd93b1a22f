"""Memory of a process tree, counted so that other processes on the machine do not move it.

/proc's PSS splits every shared page among all processes that map it, machine
wide. A Qt WebEngine library page that another Kitdesk (another test, another
helper's run) also maps counts half, so summed PSS drops by tens of MB whenever
another Qt window is open: on the shared 2-core VM that made the launch
benchmark's idle figure move with the neighbours (262 MB with another Kitdesk
running, 377 MB counted the way below, in the same run).

``tree_pss`` reads each process's physical page numbers (/proc/PID/pagemap,
which needs root: PFNs read as 0 otherwise) and splits each page only among the
tree's processes that map it. Pages shared with anything outside the tree
count in full: other Qt windows, but also libc, libpython and the venv's
extension modules that other Python processes map (about 30 MB here with no
other Qt window open: 383 vs 354 MB). So it is an upper bound, the tree's cost
on a machine where nothing else maps those files, and it does not move with
the neighbours: the figure to compare A/B; /proc's PSS is the one the target
names.
"""

from __future__ import annotations

import array
import contextlib
from collections import Counter

PAGE = 4096
_PFN_MASK = (1 << 55) - 1
_PRESENT = 1 << 63


def _resident_ranges(pid: int) -> list[tuple[int, int, str]]:
    """(start, end, path) of every mapping with resident pages (reservations have none)."""
    ranges: list[tuple[int, int, str]] = []
    current: tuple[int, int, str] | None = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                current = (start, end, fields[5] if len(fields) > 5 else "")
            elif fields[0] == "Rss:" and current is not None and int(fields[1]) > 0:
                ranges.append(current)
    return ranges


def page_frames(pid: int) -> set[int]:
    """The physical pages ``pid`` maps (empty without root)."""
    frames: set[int] = set()
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end, path in _resident_ranges(pid):
            if path == "[vsyscall]":
                continue
            pagemap.seek(start // PAGE * 8)
            entries = array.array("Q")
            entries.frombytes(pagemap.read((end - start) // PAGE * 8))
            frames.update(e & _PFN_MASK for e in entries if e & _PRESENT)
    frames.discard(0)
    return frames


def tree_pss(pids: list[int]) -> dict[int, float] | None:
    """MB per process, each page split among the tree's processes mapping it; None
    when page frames are not readable (not root) or no process could be read."""
    frames: dict[int, set[int]] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            frames[pid] = page_frames(pid)
    if not any(frames.values()):
        return None
    mapped_by = Counter(frame for pages in frames.values() for frame in pages)
    return {
        pid: sum(PAGE / mapped_by[frame] for frame in pages) / 1e6 for pid, pages in frames.items()
    }
