"""How long Kitdesk waits for a provider, and how often it retries (never).

Kept apart from ``clients.py`` so the chat service can be configured without
importing the ``openai`` client (see ``chat/lazy_engine.py``).
"""

from __future__ import annotations

CONNECT_TIMEOUT_SECONDS = 10.0
# Between two bytes of a streamed answer; reasoning models can think for a while.
READ_TIMEOUT_SECONDS = 120.0
# Errors surface at once, with a retry button (see clients.py).
MAX_RETRIES = 0
