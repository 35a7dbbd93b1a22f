"""Promoting only the Qt classes our Qt code writes unscoped enum names on
(kitdesk/window/qt_enums.py) leaves every such name that qtpy's full promotion
resolves resolvable. The names are read from the code itself: pywebview's Qt
backend and kitdesk/window/. Each side runs in a fresh interpreter, since Qt's
modules load once per process."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("PyQt6.QtWidgets")

WINDOW_CODE = Path(__file__).resolve().parents[2] / "desktop" / "kitdesk" / "window"

# For each (class, name) pair given as JSON: does qtpy's Qt modules' class have it?
RESOLVES = """
import json, sys
if sys.argv[1] == "ours":
    from kitdesk.window.qt_enums import promote_only_used_enums
    assert promote_only_used_enums()
import qtpy.QtCore, qtpy.QtGui, qtpy.QtWidgets
modules = (qtpy.QtCore, qtpy.QtGui, qtpy.QtWidgets)
answer = {}
for klass_name, name in json.loads(sys.argv[2]):
    classes = [getattr(m, klass_name) for m in modules if hasattr(m, klass_name)]
    if classes:
        answer[f"{klass_name}.{name}"] = hasattr(classes[0], name)
print(json.dumps(answer))
"""


def _written_names() -> list[tuple[str, str]]:
    """Every `Qxxx.Name` in the Qt code that runs on qtpy (lookahead: `QtCore.Qt.X` also
    gives `Qt.X`)."""
    spec = importlib.util.find_spec("webview.platforms.qt")
    assert spec is not None and spec.origin is not None
    files = [Path(spec.origin), *WINDOW_CODE.glob("*.py")]
    pairs: set[tuple[str, str]] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?=\b(Q[A-Za-z0-9]*)\.([A-Z][A-Za-z0-9_]*))", text):
            pairs.add((match.group(1), match.group(2)))
    return sorted(pairs)


def _resolved(which: str, pairs: list[tuple[str, str]]) -> dict[str, bool]:
    reply = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RESOLVES), which, json.dumps(pairs)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert reply.returncode == 0, reply.stderr[-3000:]
    answer: dict[str, bool] = json.loads(reply.stdout)
    return answer


def test_every_unscoped_name_our_qt_code_writes_still_resolves() -> None:
    pairs = _written_names()
    full = _resolved("qtpy", pairs)
    ours = _resolved("ours", pairs)
    # The reading finds what pywebview writes (else this test would prove nothing).
    assert full["Qt.WindowStaysOnTopHint"] and full["QEvent.MouseMove"]
    assert full["QMessageBox.Ok"] and full["QFile.ReadOnly"]
    missing = sorted(name for name, found in full.items() if found and not ours[name])
    assert missing == []


def test_other_classes_are_left_scoped() -> None:
    # What the launch saves: QSizePolicy, say, is not walked (its enums stay scoped).
    answer = _resolved("ours", [("QSizePolicy", "Expanding"), ("Qt", "AlignLeft")])
    assert answer == {"QSizePolicy.Expanding": False, "Qt.AlignLeft": True}
