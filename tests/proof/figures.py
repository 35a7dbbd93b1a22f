"""The proof suite's figures (cases fuzzed, kills survived, faults tried, load held).

Tests add to them as they run; the suite's conftest prints them at the end of
the run and, when ``KITDESK_PROOF_FIGURES`` names a file, writes them there as
JSON (the README's figures come from a ``make soak`` run).
"""

from __future__ import annotations

import os
from collections import Counter

FIGURES: Counter[str] = Counter()

# ``make soak`` sets KITDESK_SOAK=1: bigger budgets, same assertions.
SOAK = os.environ.get("KITDESK_SOAK", "") not in ("", "0")


def budget(test_run: int, soak_run: int) -> int:
    """``test_run`` under ``make test``, ``soak_run`` under ``make soak``;
    ``KITDESK_PROOF_SCALE`` (a number) multiplies the first for a quick local try."""
    if SOAK:
        return soak_run
    scale = float(os.environ.get("KITDESK_PROOF_SCALE", "1"))
    return max(1, int(test_run * scale))


def record(name: str, amount: int = 1) -> None:
    FIGURES[name] += amount
