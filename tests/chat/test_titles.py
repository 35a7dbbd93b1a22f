"""Title clean-up: what a model sends back becomes one plain line."""

from __future__ import annotations

import pytest
from kitdesk.chat.titles import fallback_title, sanitize_title


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("What Is **Kitdesk**? Give", "What Is Kitdesk? Give"),
        ("`pip` install __help__", "pip install help"),
        ("Title: Trip to ~~Rome~~ Paris.", "Trip to Rome Paris"),
        ('"Quoted title"\nsecond line', "Quoted title"),
        ("# Heading title", "Heading title"),
        ("snake_case names", "snake_case names"),
        ("   ", None),
        ("****", None),
    ],
)
def test_sanitize_title(raw: str, expected: str | None) -> None:
    assert sanitize_title(raw) == expected


def test_fallback_title_uses_the_first_words() -> None:
    assert fallback_title("please summarise the quarterly sales figures for me") == (
        "please summarise the quarterly sales figures…"
    )
    assert fallback_title("   ") == "New chat"
    assert fallback_title("**Fix** my `code`") == "Fix my code"
