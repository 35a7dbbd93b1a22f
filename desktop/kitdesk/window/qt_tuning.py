"""Process-wide Qt settings that make the Linux window lighter (issue 9).

Measured under Xvfb (per-process PSS from /proc/PID/smaps_rollup; the figures
are in the commit that added this module): with Qt's default OpenGL the browser
process loads Mesa's driver (llvmpipe, about 36 MB of libLLVM private to us
under Xvfb) and keeps GL buffers besides. Qt Quick's software scene graph (it
draws QWebEngineView's content) with no OpenGL on X11 shows the same pages for
about 60-80 MB less; Chromium then composites in software, which a chat
window's small, mostly static frames do not notice. WebGL is not available, and
the app does not use it.

Chromium starts two zygotes: the sandboxed one every renderer forks from, and
an unsandboxed one that only GPU and some utility processes fork from. Qt
WebEngine runs the GPU and network services inside the browser process, so
nothing ever forks from the second one: ``--no-unsandboxed-zygote`` saves it,
about 9 MB of pages no other process of the tree maps (measured with
/proc/PID/pagemap; 12 MB of summed PSS). A utility process that is needed
after all (audio capture, say) is then started with fork and exec, and applies
its own seccomp sandbox at start as it would after forking from that zygote.
The renderers' zygote and sandbox are unchanged (checked as a non-root user:
the renderer runs in its own PID namespace with seccomp-bpf on).

Not needed: ``--in-process-gpu``, ``--disable-gpu-compositing``,
``--num-raster-threads=1``: Qt already runs the GPU thread in the browser
process (there is no GPU process) and gives the renderer the other two.
Tried and not kept: ``--disable-gpu`` and ``--js-flags=--optimize-for-size``
(no difference), ``--js-flags=--max-semi-space-size=1`` (none either),
``--js-flags=--lite-mode`` (3-5 MB off the renderer for no optimising JIT, a
poor trade for rendering long streamed answers), ``MALLOC_ARENA_MAX=2`` for
the whole tree (about 4 MB, 1%, not worth a process-wide allocator change
that every child process would inherit), ``--renderer-process-limit=1``
(pywebview gives each window its own profile and Chromium never shares a
renderer between profiles). Site isolation adds no process at idle (one
origin, one renderer), and it is what can give the sandboxed HTML-preview
iframes a process of their own, so it stays.
``--no-zygote`` and ``--single-process`` need the sandbox off.

The person's own choice wins: if any of the Qt variables is set, none is; a
Chromium switch the person passes in ``QTWEBENGINE_CHROMIUM_FLAGS`` keeps their
value, and ours are appended after theirs. They must be set before Qt
initialises (before ``webview.start``).

V8's top compiler tier, TurboFan, is switched off (``--disable-features=
V8Turbofan``); Sparkplug and Maglev, the tiers below it, still compile hot
code. TurboFan's own code, about 4 MB of Qt WebEngine's library, is paged in
the first time a function gets hot enough, with its optimised code and
compile zones besides: measured in the window (growth bench, same run), the
renderer grew 10.5 MB from turn 10 to turn 100 with it and 2.9 MB without,
while the renderer's CPU time over 200 streamed turns did not move (6.9 and 5.9 s
with, 6.7 and 6.2 s without, two runs each) and the web UI bench in Chromium kept
its figures (opening a 5,000-item thread, streaming 2,000 tokens with no task
over 50 ms). A chat window's scripts are DOM work, where the top tier adds
little. A person who wants it back passes ``--enable-features=V8Turbofan``.

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
NO_UNSANDBOXED_ZYGOTE = "--no-unsandboxed-zygote"
# Appended unless the person's flags already name the switch (Chromium keeps only
# the last --js-flags, so theirs would otherwise be replaced by ours).
DEFAULT_CHROMIUM_FLAGS = (EXPOSE_GC, NO_UNSANDBOXED_ZYGOTE)
DISABLE_FEATURES = "--disable-features"
ENABLE_FEATURES = "--enable-features"
# Chromium features switched off unless the person enables them by name.
DISABLED_FEATURES = ("V8Turbofan",)


def _switch(flag: str) -> str:
    return flag.split("=", 1)[0]


def _features(words: list[str], switch: str) -> list[str]:
    return [f for w in words if _switch(w) == switch for f in w.partition("=")[2].split(",") if f]


def merged_chromium_flags(own: str) -> str:
    """The person's Chromium flags, then each default whose switch they did not pass, then
    one ``--disable-features`` with theirs and ours (Chromium keeps only the last one).
    A feature they enable by name stays enabled."""
    words = own.split()  # as Qt splits them
    named = {_switch(word) for word in words}
    added = [flag for flag in DEFAULT_CHROMIUM_FLAGS if _switch(flag) not in named]
    enabled = set(_features(words, ENABLE_FEATURES))
    disabled = _features(words, DISABLE_FEATURES)
    disable = [f for f in DISABLED_FEATURES if f not in enabled and f not in disabled]
    if disable:
        words = [word for word in words if _switch(word) != DISABLE_FEATURES]
        added.append(f"{DISABLE_FEATURES}={','.join([*disabled, *disable])}")
    return " ".join([*words, *added])


def apply_qt_defaults(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set the lighter defaults in ``environ`` (the process environment by default)
    unless the person chose any Qt graphics setting there; the settings applied."""
    env = os.environ if environ is None else environ
    applied: dict[str, str] = {}
    own = env.get(CHROMIUM_FLAGS, "")
    if (flags := merged_chromium_flags(own)) != own:
        env[CHROMIUM_FLAGS] = applied[CHROMIUM_FLAGS] = flags
    if not any(name in env for name in (*LIGHTER_DEFAULTS, *ALSO_A_CHOICE)):
        env.update(LIGHTER_DEFAULTS)
        applied.update(LIGHTER_DEFAULTS)
    return applied
