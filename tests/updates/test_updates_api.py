"""``/api/updates`` and the two update settings, through the real router and settings file.

The checker behind the routes talks to the local HTTPS feed of this folder's
fixtures; the app is called in-process through httpx's ASGI transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths
from kitdesk.providers.catalog import ModelsCatalog
from kitdesk.settings import SettingsFile
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.updates.checker import UpdateChecker, UpdateConfig
from kitdesk.updates.installation import Installation
from kitdesk.updates.relaunch import RestartAfterUpdate
from kitdesk.web.api import ApiServices, build_api_router, install_error_handlers

from tests.updates.conftest import CURRENT, PLATFORM, Release
from tests.updates.feed_server import FeedServer, LocalCA

ORIGIN = "http://127.0.0.1:8123"


class Client:
    def __init__(self, http: httpx.AsyncClient, services: ApiServices) -> None:
        self.http = http
        self.services = services

    @property
    def checker(self) -> UpdateChecker:
        assert self.services.updates is not None
        return self.services.updates

    def error(self, response: httpx.Response) -> dict[str, str]:
        body = response.json()
        assert set(body) == {"error"}, body
        return body["error"]


async def serve(services: ApiServices) -> AsyncIterator[Client]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(services))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
            yield Client(http, services)
    finally:
        await services.models.aclose()
        await services.store.close()


def services_for(
    paths: Paths,
    updates: UpdateChecker | None = None,
    *,
    settings_file: SettingsFile | None = None,
    restart: RestartAfterUpdate | None = None,
) -> ApiServices:
    keys = KeyStore()
    return ApiServices(
        paths=paths,
        settings_file=settings_file or SettingsFile(paths.settings_path),
        keys=keys,
        models=ModelsCatalog(paths.cache_dir, keys),
        store=SQLiteStore(paths.db_path, paths.attachments_dir),
        version=CURRENT,
        updates=updates,
        restart=restart,
    )


@pytest.fixture
def restart() -> RestartAfterUpdate:
    return RestartAfterUpdate()


@pytest.fixture
async def api(
    kitdesk_home: Paths,
    feed_server: FeedServer,
    test_ca: LocalCA,
    release_key: Ed25519PrivateKey,
    installed: Installation,
    restart: RestartAfterUpdate,
) -> AsyncIterator[Client]:
    settings_file = SettingsFile(kitdesk_home.settings_path)
    settings_file.update(update_feed_url=feed_server.url("/feed.json"))
    checker = UpdateChecker(
        current_version=CURRENT,
        data_dir=kitdesk_home.data_dir,
        config=lambda: UpdateConfig(
            choice=settings_file.settings.updates, feed_url=settings_file.settings.update_feed_url
        ),
        installation=installed,
        public_key=release_key.public_key(),
        ca_file=test_ca.ca_file,
        platform=PLATFORM,
    )
    services = services_for(kitdesk_home, checker, settings_file=settings_file, restart=restart)
    async for client in serve(services):
        yield client


async def test_a_fresh_install_asks_first_and_checks_nothing(
    api: Client, publish: Callable[..., Release], feed_server: FeedServer
) -> None:
    publish("0.2.0")

    state = (await api.http.get("/api/updates")).json()

    assert state["status"] == "idle"
    assert state["choice"] == "ask"
    assert state["current_version"] == CURRENT
    assert state["install_kind"] == "linux-folder"
    assert api.checker.wait(30).status == "idle"
    assert feed_server.requests == []


async def test_opting_in_checks_downloads_and_restart_installs(
    api: Client,
    publish: Callable[..., Release],
    installed: Installation,
    restart: RestartAfterUpdate,
    kitdesk_home: Paths,
) -> None:
    publish("0.2.0")
    closed: list[bool] = []
    restart.set_quit(lambda: closed.append(True))

    chosen = await api.http.put("/api/updates/choice", json={"choice": "on"})

    assert chosen.status_code == 200
    assert chosen.json()["choice"] == "on"
    assert SettingsFile(kitdesk_home.settings_path).settings.updates == "on"
    assert api.checker.wait(30).status == "ready"
    state = (await api.http.get("/api/updates")).json()
    assert (state["status"], state["available_version"], state["can_install"]) == (
        "ready",
        "0.2.0",
        True,
    )

    installed_answer = await api.http.post("/api/updates/install")

    assert installed_answer.status_code == 200
    body = installed_answer.json()
    assert (body["status"], body["restarting"]) == ("installed", True)
    assert closed == [True]  # the window was asked to close after the answer
    assert installed.app_path is not None
    assert (installed.app_path / "kitdesk").read_bytes().endswith(b"0.2.0\n")
    helper = restart.run_at_exit()
    assert helper is not None  # waits for this (live) test process: stop it
    helper.kill()
    helper.wait(30)


async def test_check_now_reports_a_bad_signature_in_the_state(
    api: Client, publish: Callable[..., Release]
) -> None:
    publish("0.2.0", key=Ed25519PrivateKey.generate())

    started = await api.http.post("/api/updates/check")

    assert started.status_code == 200
    assert api.checker.wait(30).status == "refused"
    state = (await api.http.get("/api/updates")).json()
    assert state["error_code"] == "bad_signature"
    assert state["message"] == (
        "The update 0.2.0 was refused: it is not signed by the Kitdesk release key."
    )


async def test_installing_with_nothing_ready_is_a_sentence(api: Client) -> None:
    response = await api.http.post("/api/updates/install")

    assert response.status_code == 409
    assert api.error(response) == {
        "code": "manual_update",
        "message": "No verified update is ready to install.",
    }


async def test_a_bad_choice_is_refused(api: Client) -> None:
    response = await api.http.put("/api/updates/choice", json={"choice": "sometimes"})

    assert response.status_code == 422
    assert api.error(response) == {
        "code": "invalid_request",
        "message": "choice: must be one of 'on' or 'off'.",
    }


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"update_feed_url": "http://updates.example.com/feed.json"},
            "uses plain HTTP; only HTTPS is allowed (HTTP only for 127.0.0.1 or localhost).",
        ),
        ({"updates": "sometimes"}, "updates: must be one of 'ask', 'on' or 'off'."),
    ],
)
async def test_update_settings_are_validated(
    api: Client, kitdesk_home: Paths, patch: dict[str, str], message: str
) -> None:
    before = Path(kitdesk_home.settings_path).read_bytes()

    response = await api.http.put("/api/settings", json=patch)

    assert response.status_code == 422
    assert message in api.error(response)["message"]
    assert Path(kitdesk_home.settings_path).read_bytes() == before


async def test_settings_round_trip_the_update_fields(api: Client, feed_server: FeedServer) -> None:
    response = await api.http.put("/api/settings", json={"updates": "off"})

    assert response.status_code == 200
    assert response.json()["updates"] == "off"
    assert response.json()["update_feed_url"] == feed_server.url("/feed.json")


async def test_without_an_update_checker_the_routes_say_so(kitdesk_home: Paths) -> None:
    async for client in serve(services_for(kitdesk_home)):
        response = await client.http.get("/api/updates")

        assert response.status_code == 404
        assert client.error(response) == {
            "code": "updates_unavailable",
            "message": "Updates are not available in this copy of Kitdesk.",
        }
