"""Token usage per answer, and the totals a person asks about.

The turn engine reports, for each assistant answer, the provider's own count
of input, output and reasoning tokens (``usage`` on the Responses API;
``stream_options.include_usage`` on Chat Completions). One row per answer
(``usage``, keyed by thread and item) keeps which provider and model served
it and when, so totals per thread and per provider and model by month are
plain sums over an index. Rows outlive their thread: deleting a
conversation does not rewrite what was spent.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from chatkit.types import ThreadMetadata

from kitdesk.store.database import Database, now_us
from kitdesk.store.thread_rows import thread_row, upsert_thread


@dataclass(frozen=True)
class TokenCounts:
    input: int = 0
    output: int = 0
    reasoning: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output


@dataclass(frozen=True)
class MonthlyUsage:
    month: str  # "2026-12" (UTC)
    provider_id: str
    model: str
    answers: int
    tokens: TokenCounts


def save_usage(
    db: sqlite3.Connection,
    thread_id: str,
    item_id: str,
    provider_id: str,
    model: str,
    counts: TokenCounts,
    created_at_us: int,
) -> None:
    for name, value in (
        ("input", counts.input),
        ("output", counts.output),
        ("reasoning", counts.reasoning),
    ):
        if value < 0:
            raise ValueError(f"{name} tokens cannot be negative ({value})")
    db.execute(
        """
        INSERT INTO usage (thread_id, item_id, provider_id, model, input_tokens, output_tokens,
                           reasoning_tokens, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (thread_id, item_id) DO UPDATE SET
            provider_id = excluded.provider_id, model = excluded.model,
            input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
            reasoning_tokens = excluded.reasoning_tokens
        """,
        (
            thread_id,
            item_id,
            provider_id,
            model,
            counts.input,
            counts.output,
            counts.reasoning,
            created_at_us,
        ),
    )


def item_usage(db: sqlite3.Connection, thread_id: str) -> dict[str, TokenCounts]:
    return {
        item_id: TokenCounts(i, o, r)
        for item_id, i, o, r in db.execute(
            "SELECT item_id, input_tokens, output_tokens, reasoning_tokens FROM usage "
            "WHERE thread_id = ?",
            (thread_id,),
        )
    }


def thread_total(db: sqlite3.Connection, thread_id: str) -> TokenCounts:
    i, o, r = db.execute(
        "SELECT coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), "
        "coalesce(sum(reasoning_tokens), 0) FROM usage WHERE thread_id = ?",
        (thread_id,),
    ).fetchone()
    return TokenCounts(int(i), int(o), int(r))


def monthly_totals(db: sqlite3.Connection) -> list[MonthlyUsage]:
    """Per month (UTC), provider and model: newest month first, then most tokens."""
    rows = db.execute(
        """
        SELECT strftime('%Y-%m', created_at / 1000000, 'unixepoch') AS month, provider_id, model,
               count(*), sum(input_tokens), sum(output_tokens), sum(reasoning_tokens)
        FROM usage GROUP BY month, provider_id, model
        ORDER BY month DESC, sum(input_tokens) + sum(output_tokens) DESC, provider_id, model
        """
    ).fetchall()
    return [
        MonthlyUsage(month, provider, model, int(n), TokenCounts(int(i), int(o), int(r)))
        for month, provider, model, n, i, o, r in rows
    ]


class UsageRecords(Database):
    """The store's token usage: the turn engine saves, the API reads totals."""

    async def save_usage(
        self,
        thread_id: str,
        item_id: str,
        provider_id: str,
        model: str,
        input: int,
        output: int,
        reasoning: int,
    ) -> None:
        """Record the provider's token counts for one answer (saving again replaces them)."""
        counts = TokenCounts(int(input), int(output), int(reasoning))
        created = now_us()
        await self._run_write(
            lambda db: save_usage(db, thread_id, item_id, provider_id, model, counts, created)
        )

    async def save_turn_end(
        self,
        thread: ThreadMetadata,
        item_id: str,
        provider_id: str,
        model: str,
        counts: TokenCounts | None,
    ) -> None:
        """The thread as a turn leaves it, and the turn's usage (if counted), in one
        transaction; saving the same thread next costs nothing (``thread_rows.py``)."""
        row = thread_row(thread)
        created = now_us()

        def work(db: sqlite3.Connection) -> None:
            upsert_thread(db, row, created)
            if counts is not None:
                save_usage(db, thread.id, item_id, provider_id, model, counts, created)

        await self._run_write(work, writes=row)

    async def thread_usage(self, thread_id: str) -> TokenCounts:
        """The thread's total over every answer, any branch."""
        return await self._run(lambda db: thread_total(db, thread_id))

    async def answer_usage(self, thread_id: str) -> dict[str, TokenCounts]:
        """Each answer's counts, by item id (shown quietly under the answer)."""
        return await self._run(lambda db: item_usage(db, thread_id))

    async def usage_by_month(self) -> list[MonthlyUsage]:
        """Totals per month (UTC), provider and model, newest month first."""
        return await self._run(monthly_totals)
