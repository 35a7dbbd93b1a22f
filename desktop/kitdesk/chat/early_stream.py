"""A model answer's stream started before its events are wanted.

Why: after a tool step, its events (the call's item, the activity) are stored
and sent before the turn goes on, and the next model request used to wait for
that (a round trip to the store's writer thread, then a socket write: about a
millisecond, several under load). Started early, the request is sent and its
first events read while the tool step's events are stored and sent; the events
still reach the pipeline in the same order, and the request is the same.

The stream's first step runs in a task of its own; the rest runs in the
caller's task as before. ``aclose()`` stops it if its events are never taken
(the tool step's events could not be stored, or the person stopped the turn).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")


class _Ended:
    """The stream ended before its first item."""


class EarlyStream(Generic[T]):
    def __init__(self, stream: AsyncGenerator[T, None]) -> None:
        self._stream = stream
        self._first: asyncio.Task[T | _Ended] = asyncio.ensure_future(self._first_item())

    async def _first_item(self) -> T | _Ended:
        try:
            return await anext(self._stream)
        except StopAsyncIteration:
            return _Ended()

    async def events(self) -> AsyncIterator[T]:
        """The stream's items: the first (awaited if still on its way), then the rest."""
        first = await self._first
        if isinstance(first, _Ended):
            return
        yield first
        async for item in self._stream:
            yield item

    async def aclose(self) -> None:
        """Stop the stream (its request and connection are closed) when it will not be read."""
        if not self._first.done():
            self._first.cancel()
            await asyncio.wait({self._first})  # not `await`: our own cancellation stays ours
        if not self._first.cancelled():
            self._first.exception()  # retrieved: a failure nobody reads is not logged as lost
        await self._stream.aclose()
