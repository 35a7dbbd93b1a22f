"""The update policy and its state: when to check, what was found, what the person sees.

Policy:
- the build flag (``kitdesk._build_flags.UPDATES_ENABLED``) off: never check
  (status ``disabled``); distribution packages ship that way;
- the ``updates`` setting: ``"ask"`` (the default) until the person answers
  the first-run question; ``"on"`` checks automatically, at most once a day,
  and downloads in the background; ``"off"`` never checks by itself. "Check
  now" in Settings > About always checks (the click is the consent);
- the feed URL is the ``update_feed_url`` setting, HTTPS only (HTTP only on
  loopback, for tests);
- a release is newer only when its version is strictly greater
  (``packaging.version``); equal or older means up to date;
- copies installed by a package manager, or run from source, check and say a
  version exists, but never download: ``message`` says how to update them.

Nothing here imports a web or window framework: the API router turns
``UpdateState`` into JSON and the window process runs ``install``'s result.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

from kitdesk.updates.config import UpdatesChoice
from kitdesk.updates.download import download_release
from kitdesk.updates.feed import Download, Feed, fetch_feed, platform_id
from kitdesk.updates.install import InstallResult, install_update, remove_previous
from kitdesk.updates.installation import Installation, InstallKind
from kitdesk.updates.problems import (
    ManualUpdateOnly,
    NoDownloadForPlatform,
    UpdateProblem,
)
from kitdesk.updates.release_key import RELEASE_PUBLIC_KEY
from kitdesk.updates.verify import load_public_key, verify_download_signature

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

log = logging.getLogger(__name__)

UpdateStatus = Literal[
    "disabled",  # the build flag is off
    "idle",  # nothing checked yet (this run)
    "checking",
    "up_to_date",
    "could_not_check",  # quiet: no network
    "available",  # newer version; downloading next, or manual_hint says what to do
    "downloading",
    "ready",  # downloaded and verified: "Restart to update"
    "refused",  # bad signature / checksum / size: message says so
    "error",  # malformed feed, install failed...: message says so
    "installed",  # in place; runs from the next start (the window restarts at once)
]
CHECK_INTERVAL_SECONDS = 24 * 60 * 60
STATE_FILE = "last-check.json"


class UpdateState(BaseModel):
    status: UpdateStatus
    choice: UpdatesChoice
    current_version: str
    install_kind: InstallKind
    available_version: str | None = None
    notes: str = ""
    message: str | None = None
    error_code: str | None = None
    checked_at: float | None = None
    downloaded_bytes: int = 0
    total_bytes: int = 0
    can_install: bool = False


@dataclass(frozen=True)
class UpdateConfig:
    """The two settings the checker reads (fresh on every use)."""

    choice: UpdatesChoice
    feed_url: str


class UpdateChecker:
    def __init__(
        self,
        *,
        current_version: str,
        data_dir: Path,
        config: Callable[[], UpdateConfig],
        installation: Installation,
        updates_built_in: bool | None = None,
        public_key: Ed25519PublicKey | None = None,
        ca_file: Path | None = None,
        platform: str | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 15.0,
    ) -> None:
        if updates_built_in is None:
            from kitdesk._build_flags import UPDATES_ENABLED

            updates_built_in = UPDATES_ENABLED
        self.current_version = current_version
        self.folder = data_dir / "updates"
        self.installation = installation
        self.platform = platform or platform_id()
        self._config = config
        self._enabled = updates_built_in
        self._given_public_key = public_key  # None: the release key, loaded on first check
        # Tests pass a CA file for their local HTTPS feed; releases use the default trust.
        self._verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
        )
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._feed: Feed | None = None
        self._file: Path | None = None
        self._state = self._initial_state()
        self._ui_seen = False

    def _public_key(self) -> Ed25519PublicKey:
        if self._given_public_key is None:  # loading it imports cryptography: not at start
            self._given_public_key = load_public_key(RELEASE_PUBLIC_KEY)
        return self._given_public_key

    # ---- state -------------------------------------------------------------

    def _initial_state(self) -> UpdateState:
        return UpdateState(
            status="idle" if self._enabled else "disabled",
            choice=self._config().choice,
            current_version=self.current_version,
            install_kind=self.installation.kind,
            checked_at=self._last_checked(),
            message=None if self._enabled else "Updates come from your package manager.",
        )

    def state(self) -> UpdateState:
        with self._lock:
            return self._state.model_copy(update={"choice": self._config().choice})

    def _set(self, **changes: object) -> UpdateState:
        with self._lock:
            self._state = self._state.model_copy(update=changes)
            return self._state

    def _last_checked(self) -> float | None:
        try:
            value = json.loads((self.folder / STATE_FILE).read_text())["checked_at"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return float(value) if isinstance(value, int | float) else None

    def _remember_check(self, when: float) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / STATE_FILE).write_text(json.dumps({"checked_at": when}))

    # ---- policy ------------------------------------------------------------

    def automatic_check_due(self) -> bool:
        """True when the setting is "on" and the last check is a day old (or never happened)."""
        if not self._enabled or self._config().choice != "on":
            return False
        last = self._last_checked()
        return last is None or self._clock() - last >= CHECK_INTERVAL_SECONDS

    def _client(self) -> httpx.Client:
        return httpx.Client(
            verify=self._verify,
            timeout=self._timeout,
            follow_redirects=True,
            headers={"user-agent": f"Kitdesk/{self.current_version}"},
        )

    # ---- work (blocking; run from a worker thread) --------------------------

    def check(self) -> UpdateState:
        """Fetch the feed and decide. Records the time; never downloads."""
        if not self._enabled:
            return self.state()
        self._set(status="checking", message=None, error_code=None)
        now = self._clock()
        try:
            with self._client() as client:
                feed = fetch_feed(client, self._config().feed_url)
            self._remember_check(now)
            if not feed.is_newer_than(self.current_version):
                self._feed = None
                return self._set(status="up_to_date", checked_at=now, available_version=None)
            download = self._download_for(feed)
            verify_download_signature(
                download,
                version=feed.version,
                platform=self.platform,
                public_key=self._public_key(),
            )
        except UpdateProblem as problem:
            return self._report(problem, checked_at=now)
        self._feed = feed
        hint = None if self.installation.self_updating else self.installation.manual_hint
        return self._set(
            status="available",
            checked_at=now,
            available_version=feed.version,
            notes=feed.notes,
            message=hint,
            total_bytes=download.size,
            downloaded_bytes=0,
        )

    def _download_for(self, feed: Feed) -> Download:
        download = feed.downloads.get(self.platform)
        if download is None:
            raise NoDownloadForPlatform(
                f"Kitdesk {feed.version} has no download for {self.platform} yet."
            )
        return download

    def download(self) -> UpdateState:
        """Download and verify the available release (self-updating installs only)."""
        feed = self._feed
        if feed is None or not self.installation.self_updating:
            return self.state()
        download = self._download_for(feed)
        self._set(status="downloading", downloaded_bytes=0, total_bytes=download.size)
        try:
            with self._client() as client:
                self._file = download_release(
                    client,
                    download,
                    version=feed.version,
                    dest_dir=self.folder,
                    progress=self._progress,
                )
        except UpdateProblem as problem:
            self._file = None
            return self._report(problem)
        return self._set(status="ready", can_install=True, downloaded_bytes=download.size)

    def _progress(self, done: int, _total: int) -> None:
        self._set(downloaded_bytes=done)

    def check_and_download(self) -> UpdateState:
        state = self.check()
        if state.status == "available" and self.installation.self_updating:
            state = self.download()
        return state

    def _report(self, problem: UpdateProblem, **changes: object) -> UpdateState:
        if problem.quiet:
            log.info("update check: %s", problem.message)
            status: UpdateStatus = "could_not_check"
        else:
            log.warning("update %s: %s", problem.code, problem.message)
            status = "refused" if problem.refused else "error"
        return self._set(
            status=status,
            message=problem.message,
            error_code=problem.code,
            can_install=False,
            **changes,
        )

    # ---- background --------------------------------------------------------

    def on_ui_ready(self) -> None:
        """The window's UI has loaded (it asked for the state): tidy up, then the daily check.

        The folder an update replaced is deleted only now, when the new version
        has shown its window; the automatic check waits until here so it never
        competes with start-up.
        """
        with self._lock:
            if self._ui_seen:
                return
            self._ui_seen = True
        try:
            self._remove_stale_downloads()
            if self.installation.self_updating and remove_previous(self.installation):
                log.info("removed the version this update replaced")
        except OSError:
            log.warning("could not tidy up after an update", exc_info=True)
        self.start_background(automatic=True)

    def _remove_stale_downloads(self) -> None:
        """Downloads named ``<version>-...`` for this version or older are no use any more."""
        if not self.folder.is_dir():
            return
        try:
            current = Version(self.current_version)
        except InvalidVersion:
            return
        for file in self.folder.iterdir():
            try:
                stale = Version(file.name.split("-", 1)[0]) <= current
            except InvalidVersion:
                continue
            if stale and file.is_file():
                file.unlink()

    def start_background(self, *, automatic: bool) -> bool:
        """Check (and download) on a daemon thread; False if not due or already running."""
        if not self._enabled or (automatic and not self.automatic_check_due()):
            return False
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return False
            self._worker = threading.Thread(
                target=self._run_safely, name="kitdesk-updates", daemon=True
            )
            self._worker.start()
        return True

    def _run_safely(self) -> None:
        try:
            self.check_and_download()
        except Exception:
            log.exception("update check failed")
            self._set(status="error", message="The update check failed unexpectedly.")

    def wait(self, timeout: float | None = None) -> UpdateState:
        """Block until the background work (if any) is over; for the API and tests."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self.state()

    # ---- install -----------------------------------------------------------

    def install(self) -> InstallResult:
        """Put the downloaded release in place; the caller then quits and relaunches."""
        feed, file = self._feed, self._file
        if feed is None or file is None or self.state().status != "ready":
            raise ManualUpdateOnly("No verified update is ready to install.")
        try:
            result = install_update(self.installation, file, feed.version)
        except UpdateProblem as problem:
            self._report(problem)
            raise
        if result.run_after_exit is None:
            file.unlink(missing_ok=True)
        self._set(
            status="installed",
            can_install=False,
            message=f"Kitdesk {feed.version} is installed and starts when Kitdesk restarts.",
        )
        return result
