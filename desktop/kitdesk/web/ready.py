"""Awaiting something built in another thread, for free once it is there.

``asyncio.wrap_future`` on a finished ``concurrent.futures.Future`` still hands the
result over through ``call_soon_threadsafe``: a write to the loop's wake-up pipe and
one more turn of the loop, on every request that waits for the app or the chat
service (both are built once, at start)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TypeVar

T = TypeVar("T")


async def ready(future: concurrent.futures.Future[T]) -> T:
    """The future's result (raising its exception), waiting only if it is not done."""
    if future.done():
        return future.result()
    return await asyncio.wrap_future(future)
