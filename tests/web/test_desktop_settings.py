"""The desktop window's settings (close to tray, notify when done): defaults, round trip
through /api/settings and settings.json, refused in words when not a yes/no, and read by
the window from the file as it is at that moment."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from kitdesk.paths import Paths
from kitdesk.settings import Settings
from kitdesk.window.desktop_settings import current_settings

from tests.api_harness import ApiHarness, api_harness


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


async def test_defaults_round_trip_and_reach_the_window(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    shown = (await api.client.get("/api/settings")).json()
    assert (shown["close_to_tray"], shown["notify_when_done"]) == (False, True)
    assert current_settings(kitdesk_home.settings_path).notify_when_done is True

    response = await api.client.put(
        "/api/settings", json={"close_to_tray": True, "notify_when_done": False}
    )
    assert response.status_code == 200
    assert (response.json()["close_to_tray"], response.json()["notify_when_done"]) == (True, False)
    on_disk = Settings.model_validate_json(kitdesk_home.settings_path.read_bytes())
    assert (on_disk.close_to_tray, on_disk.notify_when_done) == (True, False)
    # The window reads the file when it decides, so the change applies at once.
    window_view = current_settings(kitdesk_home.settings_path)
    assert (window_view.close_to_tray, window_view.notify_when_done) == (True, False)


async def test_a_value_that_is_not_yes_or_no_is_refused_in_words(api: ApiHarness) -> None:
    response = await api.client.put("/api/settings", json={"close_to_tray": "sometimes"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "close_to_tray" in error["message"]
    assert (await api.client.get("/api/settings")).json()["close_to_tray"] is False


def test_the_window_falls_back_to_defaults_on_an_unreadable_file(kitdesk_home: Paths) -> None:
    kitdesk_home.create()
    assert current_settings(kitdesk_home.settings_path) == Settings()  # no file yet
    kitdesk_home.settings_path.write_text("{ not json")
    assert current_settings(kitdesk_home.settings_path) == Settings()
    assert kitdesk_home.settings_path.read_text() == "{ not json"  # left for the server to recover
