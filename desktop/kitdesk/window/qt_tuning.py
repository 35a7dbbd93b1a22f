"""Process-wide Qt settings that make the Linux window lighter (issue 9).

Measured under Xvfb (per-process PSS from /proc/PID/smaps_rollup; the figures
are in the commit that added this module): with Qt's default OpenGL the browser
process loads Mesa's driver (llvmpipe, about 36 MB of libLLVM private to us
under Xvfb) and keeps GL buffers besides. Qt Quick's software scene graph (it
draws QWebEngineView's content) with no OpenGL on X11 shows the same pages for
about 60-80 MB less; Chromium then composites in software, which a chat
window's small, mostly static frames do not notice. WebGL is not available, and
the app does not use it.

Tried and not kept: ``--disable-gpu`` and ``--js-flags=--optimize-for-size``
(no difference on top of these), ``--renderer-process-limit=1`` (pywebview
gives each window its own profile and Chromium never shares a renderer between
profiles). ``--no-zygote`` and ``--single-process`` need the sandbox off.

The person's own choice wins: if any of these variables is set, none is.
They must be set before Qt initialises (before ``webview.start``).

Chromium also gets ``--js-flags=--expose-gc`` (unless the person passes their
own ``--js-flags``): the web UI calls ``gc()`` once the chat has been quiet for
two seconds after an answer (webui/src/app/idleGarbage.ts). V8 and Blink
otherwise keep each answer's garbage until their heaps reach the next limit:
after 60 streamed answers in one thread the renderer held about 110 MB that a
full collection gave back, and it reached 1 GB by 500 answers.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

LIGHTER_DEFAULTS = {
    "QT_QUICK_BACKEND": "software",  # Qt Quick's scene graph draws with the CPU
    "QT_XCB_GL_INTEGRATION": "none",  # X11: no OpenGL, so no GL driver is loaded
}
# Qt's older name for QT_QUICK_BACKEND: a person who set it chose a backend too.
ALSO_A_CHOICE = ("QMLSCENE_DEVICE",)


CHROMIUM_FLAGS = "QTWEBENGINE_CHROMIUM_FLAGS"
EXPOSE_GC = "--js-flags=--expose-gc"


def apply_qt_defaults(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set the lighter defaults in ``environ`` (the process environment by default)
    unless the person chose any Qt graphics setting there; the settings applied."""
    env = os.environ if environ is None else environ
    applied: dict[str, str] = {}
    flags = env.get(CHROMIUM_FLAGS, "")
    if "--js-flags" not in flags:  # Chromium keeps only the last --js-flags
        env[CHROMIUM_FLAGS] = applied[CHROMIUM_FLAGS] = f"{flags} {EXPOSE_GC}".strip()
    if not any(name in env for name in (*LIGHTER_DEFAULTS, *ALSO_A_CHOICE)):
        env.update(LIGHTER_DEFAULTS)
        applied.update(LIGHTER_DEFAULTS)
    return applied
