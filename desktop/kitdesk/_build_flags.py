"""Switches fixed when a copy of Kitdesk is built, not settings a person changes.

``UPDATES_ENABLED``: False turns the update checker off for good (no check, no
download; Settings > About says updates come from the package manager).
Distribution packagers flip it before building::

    sed -i 's/^UPDATES_ENABLED = True$/UPDATES_ENABLED = False/' desktop/kitdesk/_build_flags.py

See build/README.md, "Updates".
"""

from __future__ import annotations

UPDATES_ENABLED = True
