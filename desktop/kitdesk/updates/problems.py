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


class UpdateProblem(Exception):
    """Base of every update error; ``message`` is safe to show to the person."""

    code = "update_failed"
    quiet = False
    refused = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CouldNotCheck(UpdateProblem):
    """No network, no answer, or a TLS failure: reported quietly."""

    code = "could_not_check"
    quiet = True


class InsecureUrl(UpdateProblem):
    code = "insecure_url"


class MalformedFeed(UpdateProblem):
    code = "malformed_feed"


class NoDownloadForPlatform(UpdateProblem):
    code = "no_download_for_platform"


class BadSignature(UpdateProblem):
    code = "bad_signature"
    refused = True


class BadChecksum(UpdateProblem):
    code = "bad_checksum"
    refused = True


class IncompleteDownload(UpdateProblem):
    code = "incomplete_download"
    refused = True


class DownloadTooLarge(UpdateProblem):
    code = "download_too_large"
    refused = True


class InstallFailed(UpdateProblem):
    code = "install_failed"


class ManualUpdateOnly(UpdateProblem):
    """This copy is owned by a package manager (or runs from source): the person updates it."""

    code = "manual_update"
