"""``{{variables}}``: found once each in order, filled, and the same as the web UI's rule
(both read webui/src/app/promptVariables.cases.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kitdesk.prompts import fill, variables_of

CASES_FILE = Path(__file__).resolve().parents[2] / "webui/src/app/promptVariables.cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_the_shared_cases(case: dict[str, Any]) -> None:
    assert variables_of(case["text"]) == case["variables"]
    assert fill(case["text"], case["values"]) == case["filled"]


def test_the_table_covers_the_rules() -> None:
    # A table that lost its cases would pass everything above.
    assert len(CASES) >= 15
    assert any(len(c["variables"]) < c["text"].count("{{") for c in CASES)  # repeats asked once
    assert any(c["variables"] == [] and "{{" in c["text"] for c in CASES)  # invalid names
