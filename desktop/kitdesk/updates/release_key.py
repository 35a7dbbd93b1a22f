"""The public half of Kitdesk's release signing key (Ed25519, raw 32 bytes, base64).

Only this half is in the repository. The private half is kept offline by the
release manager and used by ``build/sign_update.py``; a copy of Kitdesk
installs nothing that this key did not sign. Rotating the key means shipping
a release (signed with the old key) that carries the new public key here.
"""

from __future__ import annotations

RELEASE_PUBLIC_KEY = "x5GvUYjQHYYcTrqbA65dFud2bYj7O+sX1xutAHBi10Q="
