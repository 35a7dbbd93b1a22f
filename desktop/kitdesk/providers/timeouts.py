"""How long Kitdesk waits for a provider.

Kept apart from ``clients.py`` so the chat service can be configured without
building the turn engine (see ``chat/lazy_engine.py``). There are no retries:
errors surface at once, with a retry button.
"""

from __future__ import annotations

CONNECT_TIMEOUT_SECONDS = 10.0
# Between two bytes of a streamed answer; reasoning models can think for a while.
READ_TIMEOUT_SECONDS = 120.0
