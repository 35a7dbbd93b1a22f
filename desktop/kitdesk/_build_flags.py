"""Switches fixed when a copy of Kitdesk is built, not settings a person changes.

``UPDATES_ENABLED``: False turns the update checker off for good (no check, no
download, the Settings > About section says updates come from the package
manager). Distribution packagers set it before building, e.g.::

    printf 'UPDATES_ENABLED = False\n' >> desktop/kitdesk/_build_flags.py

(the last assignment wins). See build/README.md, "Updates".
"""

from __future__ import annotations

UPDATES_ENABLED = True
