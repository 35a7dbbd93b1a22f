"""``{{variables}}`` in a saved prompt: which ones it asks for, and filling them in.

A variable is ``{{name}}`` where the name is letters (any script), digits,
underscores and spaces, at most 64 characters; spaces just inside the braces
are trimmed, so ``{{ topic }}`` and ``{{topic}}`` are the same variable, and a
variable used twice is asked for once. Anything else between double braces
(``{{a-b}}``, ``{{}}``, a line break) is plain text and stays as written.

The web UI fills prompts with the same rule (webui/src/app/promptVariables.ts);
both are tested against one table of cases
(webui/src/app/promptVariables.cases.json), so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_NAME_LENGTH = 64

# Python's \w is letters, digits (any script) and "_": the same set as the UI's [\p{L}\p{N}_].
VARIABLE = re.compile(r"\{\{ *(\w(?:[\w ]{0,62}\w)?) *\}\}")  # 64 = MAX_NAME_LENGTH


def variables_of(text: str) -> list[str]:
    """The variable names ``text`` asks for, once each, in the order they first appear."""
    seen: dict[str, None] = {}
    for match in VARIABLE.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each variable replaced by its value; one without a value stays as written."""
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
