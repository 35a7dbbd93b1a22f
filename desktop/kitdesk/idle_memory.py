"""Giving memory back once the app has gone quiet.

A desktop app spends most of its life idle, and what it holds then is what
people see in their task manager. Three things grow with use and are never
handed back on their own:

- **Cyclic garbage.** A turn leaves reference cycles behind (asyncio tasks and
  futures, exceptions with their tracebacks, HTTP client state). Python frees
  them only in a full collection, which its thresholds run rarely: in the
  window, ``gc.collect()`` after 100 turns gave back about 5 MB.
- **SQLite's page caches.** Each connection keeps up to 2 MB of pages it has
  read; ``PRAGMA shrink_memory`` empties them (``store/database.py``).
- **malloc's free lists.** Memory freed by the above stays in the C heap;
  glibc's ``malloc_trim`` returns its free pages to the system.

The web UI does the same in the page: it asks V8 for a memory-reducing
collection 2 s after the last answer (``webui/src/app/idleGarbage.ts``).

A full collection walks every object the collector tracks: after the imports,
over 120,000, about 100-200 ms with the event loop held. So the modules' own
objects, which live as long as the process, are moved out of its way with
``gc.freeze()`` once they are loaded (``freeze_loaded_modules``), and a quiet
moment's collection walks only what requests created since.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

# Seconds without a request before memory is given back: as long as the UI's own
# idle collection waits after an answer.
QUIET_SECONDS = 2.0


_freezing_allowed = False


def allow_freezing() -> None:
    """Let ``freeze_loaded_modules`` work in this process. The app's entry points
    (the window, ``kitdesk serve``) call it: a process that is Kitdesk. A test
    runner hosting app after app must not freeze one test's objects for the rest."""
    global _freezing_allowed
    _freezing_allowed = True


def freeze_loaded_modules() -> None:
    """Exempt every object alive now from future collections (where allowed).

    Called right after a batch of imports: module-level objects are never garbage,
    and a collection should not walk them. Objects frozen still die by reference
    counting; only cycles among them would outlive their use.
    """
    if _freezing_allowed:
        gc.freeze()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS,
    Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def trim_c_heap() -> bool:
    """Return the C heap's free pages to the system; whether it could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class IdleMemory:
    """Counts requests in flight; once none has run for ``quiet`` seconds, collects
    garbage, empties the store's caches and trims the C heap, once per busy spell."""

    def __init__(
        self, release_store: Callable[[], Awaitable[None]], *, quiet: float = QUIET_SECONDS
    ) -> None:
        self._release_store = release_store
        self._quiet = quiet
        self._in_flight = 0
        self._timer: asyncio.TimerHandle | None = None
        self._releasing: asyncio.Task[None] | None = None
        self.releases = 0  # how many quiet moments gave memory back (tests, logs)

    def enter(self) -> None:
        """A request starts: the app is busy."""
        self._in_flight += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def leave(self) -> None:
        """A request has finished; the last one out starts the quiet clock."""
        self._in_flight -= 1
        if self._in_flight == 0:
            # asyncio is imported where the server runs: the window imports this
            # module on its start-up path (allow_freezing), where asyncio costs ~35 ms.
            import asyncio

            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._quiet, self._start_release)

    def _start_release(self) -> None:
        self._timer = None
        if self._in_flight or (self._releasing is not None and not self._releasing.done()):
            return
        import asyncio

        self._releasing = asyncio.get_running_loop().create_task(self.release())

    async def release(self) -> None:
        """Give memory back now (the quiet clock calls this; so may tests)."""
        import asyncio

        collected = gc.collect()
        try:
            await self._release_store()
        except Exception as exc:  # a closed or busy store keeps its cache; nothing is lost
            log.debug("the store kept its caches: %s", exc)
        await asyncio.to_thread(trim_c_heap)
        self.releases += 1
        log.debug("quiet: %s objects collected, caches emptied", collected)

    async def aclose(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._releasing is not None:
            import asyncio

            await asyncio.gather(self._releasing, return_exceptions=True)
