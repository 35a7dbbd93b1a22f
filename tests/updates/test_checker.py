"""The update flow end to end against a real local HTTPS feed: check, download, verify, install."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kitdesk.paths import Paths
from kitdesk.updates.checker import CHECK_INTERVAL_SECONDS, UpdateChecker
from kitdesk.updates.installation import Installation
from kitdesk.updates.problems import ManualUpdateOnly

from tests.updates.conftest import CURRENT, Clock, Release, feed_json, free_port
from tests.updates.feed_server import FeedServer, Route

MakeChecker = Callable[..., UpdateChecker]
Publish = Callable[..., Release]


def leftover_downloads(paths: Paths) -> list[str]:
    folder = paths.data_dir / "updates"
    return sorted(p.name for p in folder.glob("*.tar.gz*")) if folder.exists() else []


def test_good_update_is_downloaded_verified_and_replaces_the_folder(
    make_checker: MakeChecker, publish: Publish, installed: Installation, kitdesk_home: Paths
) -> None:
    release = publish("0.2.0")
    checker = make_checker()

    state = checker.check_and_download()

    assert state.status == "ready"
    assert state.available_version == "0.2.0"
    assert state.notes == "Faster."
    assert state.can_install is True
    assert state.downloaded_bytes == state.total_bytes == len(release.archive)
    downloaded = kitdesk_home.data_dir / "updates" / "0.2.0-kitdesk.tar.gz"
    assert (
        hashlib.sha256(downloaded.read_bytes()).hexdigest()
        == hashlib.sha256(release.archive).hexdigest()
    )

    result = checker.install()

    app = installed.app_path
    assert app is not None
    assert result.replaced == app
    assert result.relaunch == [str(app / "kitdesk")]
    assert (app / "kitdesk").read_bytes() == b"#!/bin/sh\necho kitdesk 0.2.0\n"
    assert (app / "_internal" / "base_library.zip").read_bytes() == b"new library"
    assert (app / "_internal" / "added-in-0.2.txt").exists()
    assert not (app / "_internal" / "removed-in-0.2.txt").exists()
    # The old folder is kept whole until the new version has started...
    assert result.previous is not None
    assert (result.previous / "kitdesk").read_bytes() == b"#!/bin/sh\necho kitdesk 0.1.0\n"
    assert (result.previous / "_internal" / "removed-in-0.2.txt").exists()
    # ...and nothing else is left beside the app or in the data folder.
    assert sorted(p.name for p in app.parent.iterdir()) == ["kitdesk", "kitdesk.old"]
    assert leftover_downloads(kitdesk_home) == []

    assert checker.state().status == "installed"
    assert checker.state().message == (
        "Kitdesk 0.2.0 is installed and starts when Kitdesk restarts."
    )

    # The next start (0.2.0): once its UI has loaded, the old folder and old downloads go.
    stale = kitdesk_home.data_dir / "updates" / "0.1.0-Kitdesk-Setup-0.1.0.exe"
    stale.write_bytes(b"MZ")
    restarted = make_checker(current_version="0.2.0")
    restarted.on_ui_ready()
    assert sorted(p.name for p in app.parent.iterdir()) == ["kitdesk"]
    assert sorted(p.name for p in stale.parent.iterdir()) == ["last-check.json"]
    assert restarted.wait(30).status == "idle"  # checked a moment ago: no new check


def test_bad_signature_is_refused_before_downloading(
    make_checker: MakeChecker, publish: Publish, feed_server: FeedServer, kitdesk_home: Paths
) -> None:
    publish("0.2.0", key=Ed25519PrivateKey.generate())  # not the release key
    checker = make_checker()

    state = checker.check_and_download()

    assert state.status == "refused"
    assert state.error_code == "bad_signature"
    assert state.message == (
        "The update 0.2.0 was refused: it is not signed by the Kitdesk release key."
    )
    assert state.can_install is False
    assert [path for path, _ in feed_server.requests] == ["/feed.json"]
    assert leftover_downloads(kitdesk_home) == []
    with pytest.raises(ManualUpdateOnly):
        checker.install()


def test_bad_checksum_is_refused_and_the_file_deleted(
    make_checker: MakeChecker, publish: Publish, installed: Installation, kitdesk_home: Paths
) -> None:
    release = publish("0.2.0")
    tampered = bytearray(release.archive)
    tampered[100] ^= 0xFF  # same size, one flipped byte
    publish("0.2.0", served=bytes(tampered))

    state = make_checker().check_and_download()

    assert state.status == "refused"
    assert state.error_code == "bad_checksum"
    assert state.message == (
        "The update 0.2.0 was refused: the downloaded file does not match "
        "its signed SHA-256 checksum."
    )
    assert leftover_downloads(kitdesk_home) == []
    assert installed.app_path is not None
    assert (installed.app_path / "kitdesk").read_bytes().endswith(b"0.1.0\n")


def test_a_larger_file_than_signed_is_cut_off_and_refused(
    make_checker: MakeChecker, publish: Publish, kitdesk_home: Paths
) -> None:
    release = publish("0.2.0")
    publish("0.2.0", served=release.archive + b"\0" * 1_000_000)

    state = make_checker().check_and_download()

    assert state.status == "refused"
    assert state.error_code == "download_too_large"
    assert leftover_downloads(kitdesk_home) == []


def test_truncated_download_is_refused_then_resumed(
    make_checker: MakeChecker, publish: Publish, feed_server: FeedServer, kitdesk_home: Paths
) -> None:
    release = publish("0.2.0", cut_after=300)
    checker = make_checker()

    state = checker.check_and_download()

    assert state.status == "refused"
    assert state.error_code == "incomplete_download"
    assert state.message == (
        f"The download of Kitdesk 0.2.0 was cut short (300 of {len(release.archive):,} "
        "bytes); it will be tried again."
    )
    assert state.can_install is False
    assert leftover_downloads(kitdesk_home) == ["0.2.0-kitdesk.tar.gz.part"]

    state = checker.check_and_download()

    assert state.status == "ready"
    downloads = [rng for path, rng in feed_server.requests if path.startswith("/files/")]
    assert downloads == [None, "bytes=300-"]
    assert leftover_downloads(kitdesk_home) == ["0.2.0-kitdesk.tar.gz"]


def test_a_short_file_announced_as_complete_is_refused(
    make_checker: MakeChecker, publish: Publish, kitdesk_home: Paths
) -> None:
    release = publish("0.2.0")
    publish("0.2.0", served=release.archive[:-10])

    state = make_checker().check_and_download()

    assert state.status == "refused"
    assert state.error_code == "incomplete_download"
    assert leftover_downloads(kitdesk_home) == []


def test_offline_is_a_quiet_could_not_check(make_checker: MakeChecker) -> None:
    checker = make_checker(feed_url=f"https://127.0.0.1:{free_port()}/feed.json")

    state = checker.check_and_download()

    assert state.status == "could_not_check"
    assert state.error_code == "could_not_check"
    assert state.available_version is None
    assert state.can_install is False


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"<html>not json</html>", "document: Invalid JSON"),
        (feed_json(version="soon"), "version: Value error, 'soon' is not a version number"),
        (feed_json(schema=7), "schema: Value error, this Kitdesk reads feed schema 1, not 7"),
        (
            feed_json(downloads={"linux-x86_64": {"url": "https://x/y", "size": 1}}),
            "downloads.linux-x86_64.sha256: Field required",
        ),
    ],
)
def test_malformed_feed_gets_a_sentence(
    make_checker: MakeChecker, feed_server: FeedServer, body: bytes, detail: str
) -> None:
    feed_server.routes["/feed.json"] = Route(body, content_type="application/json")

    state = make_checker().check()

    assert state.status == "error"
    assert state.error_code == "malformed_feed"
    assert state.message is not None
    assert state.message.startswith(f"The update feed at {feed_server.url('/feed.json')} ")
    assert detail in state.message


def test_a_feed_that_answers_404_gets_a_sentence(
    make_checker: MakeChecker, feed_server: FeedServer
) -> None:
    state = make_checker().check()

    assert state.status == "error"
    assert state.message == f"The update feed at {feed_server.url('/feed.json')} answered HTTP 404."


@pytest.mark.parametrize("version", [CURRENT, "0.0.9", "0.1.0rc1"])
def test_equal_or_older_version_is_up_to_date(
    make_checker: MakeChecker, publish: Publish, feed_server: FeedServer, version: str
) -> None:
    publish(version)

    state = make_checker().check_and_download()

    assert state.status == "up_to_date"
    assert state.available_version is None
    assert [path for path, _ in feed_server.requests] == ["/feed.json"]


def test_plain_http_feed_is_refused_without_a_request(make_checker: MakeChecker) -> None:
    state = make_checker(feed_url="http://updates.example.com/feed.json").check()

    assert state.status == "error"
    assert state.error_code == "insecure_url"
    assert state.message == (
        "The update address 'http://updates.example.com/feed.json' uses plain HTTP; "
        "only HTTPS is allowed (HTTP only for 127.0.0.1 or localhost)."
    )


def test_automatic_checks_happen_at_most_once_a_day(
    make_checker: MakeChecker, publish: Publish
) -> None:
    publish(CURRENT)
    clock = Clock()
    checker = make_checker(clock=clock)
    assert checker.automatic_check_due() is True

    assert checker.start_background(automatic=True) is True
    assert checker.wait(30).status == "up_to_date"

    clock.now += CHECK_INTERVAL_SECONDS - 60
    assert checker.automatic_check_due() is False
    assert checker.start_background(automatic=True) is False
    # A new checker (the next launch) reads the time from the data folder.
    assert make_checker(clock=clock).automatic_check_due() is False
    clock.now += 120
    assert make_checker(clock=clock).automatic_check_due() is True


@pytest.mark.parametrize("choice", ["ask", "off"])
def test_no_automatic_check_until_the_person_opts_in(
    make_checker: MakeChecker, publish: Publish, feed_server: FeedServer, choice: str
) -> None:
    publish("0.2.0")
    checker = make_checker(choice=choice)

    assert checker.automatic_check_due() is False
    assert checker.start_background(automatic=True) is False
    assert feed_server.requests == []
    # "Check now" is the person's own request and always runs.
    assert checker.start_background(automatic=False) is True
    assert checker.wait(30).status == "ready"


def test_the_build_flag_turns_updates_off(
    make_checker: MakeChecker, publish: Publish, feed_server: FeedServer
) -> None:
    publish("0.2.0")
    checker = make_checker(updates_built_in=False)

    assert checker.state().status == "disabled"
    assert checker.start_background(automatic=False) is False
    assert checker.check().status == "disabled"
    assert feed_server.requests == []


def test_a_package_manager_install_is_told_what_to_do_and_downloads_nothing(
    make_checker: MakeChecker, publish: Publish, installed: Installation, tmp_path: Path
) -> None:
    assert installed.app_path is not None
    (installed.app_path / "kitdesk-package-manager").write_text("apt")
    from kitdesk.updates.installation import detect_installation

    deb = detect_installation(
        executable=installed.executable, frozen=True, system="linux", updates_built_in=True
    )
    publish("0.2.0")
    checker = make_checker(installation=deb)

    state = checker.check_and_download()

    assert deb.kind == "package"
    assert state.status == "available"
    assert state.available_version == "0.2.0"
    assert state.message == "This Kitdesk was installed by apt; update it there."
    assert state.can_install is False
