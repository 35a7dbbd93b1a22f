"""``/api/usage``: tokens spent, per provider and model by month, and per conversation.

- ``GET /api/usage``: ``{"months": [{month, provider_id, model, answers, input_tokens,
  output_tokens, reasoning_tokens}]}``, newest month first (Settings).
- ``GET /api/usage/threads/{thread_id}``: the thread's total and each answer's counts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kitdesk.store.usage import TokenCounts
from kitdesk.web.services import ApiServices


def _counts(counts: TokenCounts) -> dict[str, int]:
    return {
        "input_tokens": counts.input,
        "output_tokens": counts.output,
        "reasoning_tokens": counts.reasoning,
    }


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/usage")
    store = services.store

    @router.get("")
    async def by_month() -> dict[str, Any]:
        months = await store.usage_by_month()
        return {
            "months": [
                {
                    "month": m.month,
                    "provider_id": m.provider_id,
                    "model": m.model,
                    "answers": m.answers,
                    **_counts(m.tokens),
                }
                for m in months
            ]
        }

    @router.get("/threads/{thread_id}")
    async def for_thread(thread_id: str) -> dict[str, Any]:
        total = await store.thread_usage(thread_id)
        answers = await store.answer_usage(thread_id)
        return {
            "thread_id": thread_id,
            "total": _counts(total),
            "answers": {item_id: _counts(c) for item_id, c in answers.items()},
        }

    return router
