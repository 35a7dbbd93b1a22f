"""What can go wrong with an update, as a code for the machine and a sentence for the person.

Three kinds, because each is shown differently:

- ``quiet``: the network is not there (offline, DNS, timeout, TLS). Nothing is
  wrong with Kitdesk or the feed, so the UI shows a calm "could not check"
  and never a popup.
- refused: the download does not match what the release key signed (bad
  signature, wrong checksum, wrong size, cut short). Kitdesk deletes it and says so.
- everything else (a malformed feed, an insecure URL, an install that failed)
  gets a sentence saying what happened.
"""

from __future__ import annotations

from kitdesk.errors import UserFacingError


class UpdateProblem(UserFacingError):
    """Base of every update error; ``message`` is safe to show to the person.

    The HTTP status matters only when a route raises one (``POST /api/updates/install``);
    checks and downloads report problems in the update state instead.
    """

    status = 500
    code = "update_failed"
    quiet = False
    refused = False


class CouldNotCheck(UpdateProblem):
    """No network, no answer, or a TLS failure: reported quietly."""

    status = 503
    code = "could_not_check"
    quiet = True


class InsecureUrl(UpdateProblem):
    status = 422
    code = "insecure_url"


class MalformedFeed(UpdateProblem):
    status = 502
    code = "malformed_feed"


class NoDownloadForPlatform(UpdateProblem):
    status = 404
    code = "no_download_for_platform"


class BadSignature(UpdateProblem):
    status = 422
    code = "bad_signature"
    refused = True


class BadChecksum(UpdateProblem):
    status = 422
    code = "bad_checksum"
    refused = True


class IncompleteDownload(UpdateProblem):
    status = 422
    code = "incomplete_download"
    refused = True


class DownloadTooLarge(UpdateProblem):
    status = 422
    code = "download_too_large"
    refused = True


class InstallFailed(UpdateProblem):
    status = 500
    code = "install_failed"


class ManualUpdateOnly(UpdateProblem):
    """This copy is owned by a package manager (or runs from source): the person updates it."""

    status = 409
    code = "manual_update"
