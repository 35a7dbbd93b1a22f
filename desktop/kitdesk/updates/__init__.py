"""Updates: a signed JSON feed, a verified background download, "Restart to update".

Modules, in the order an update flows through them:

- ``feed``: the feed's shape, the HTTPS-only rule, fetching it;
- ``verify``: what the Ed25519 release key signs, and checking it
  (``release_key`` holds the public key);
- ``download``: streaming to the data folder with size cap, SHA-256, resume;
- ``installation``: how this copy was installed (folder, .app, installer, package);
- ``install``: swapping the new release in; ``relaunch``: starting it after quit;
- ``checker``: the policy (opt-in, once a day, build flag) and the state the UI shows;
- ``problems``: every failure as a code and a sentence.

No web or window framework is imported here.
"""
