"""The split start-up: the UI's first question is answered before the full app exists."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from kitdesk.app import create_app
from kitdesk.app_info import Basics, open_basics
from kitdesk.errors import StartupProblem
from kitdesk.paths import Paths
from kitdesk.web.server import BUILD_FAILED_MESSAGE, DeferredApp
from kitdesk.web.static import page_files

BASE = "http://127.0.0.1:8123"


def gated_build(paths: Paths, gate: threading.Event) -> Callable[[Basics], FastAPI]:
    """The real ``create_app``, held back until the test opens the gate."""

    def build(basics: Basics) -> FastAPI:
        if not gate.wait(30):
            raise TimeoutError("the test never let the build finish")
        return create_app(paths, basics)

    return build


def noted_build(
    paths: Paths, gate: threading.Event
) -> tuple[Callable[[Basics], FastAPI], threading.Event]:
    """``gated_build``, and an event set when the build begins."""
    started = threading.Event()
    inner = gated_build(paths, gate)

    def build(basics: Basics) -> FastAPI:
        started.set()
        return inner(basics)

    return build, started


async def close_when_built(deferred: DeferredApp) -> None:
    """Let a test's build finish and close its store, so no thread outlives the test."""
    app = await asyncio.wait_for(asyncio.wrap_future(deferred.built), timeout=30)
    await app.state.close()


async def get(app: DeferredApp, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        return await client.get(path, timeout=30)


async def test_app_info_is_answered_while_the_full_app_is_still_building(
    kitdesk_home: Paths,
) -> None:
    gate = threading.Event()
    deferred = DeferredApp(lambda: open_basics(kitdesk_home), gated_build(kitdesk_home, gate))
    deferred.start_building()
    try:
        early = await get(deferred, "/api/app")
        assert not deferred.built.done()  # answered without the full app
        assert early.status_code == 200
        info = early.json()
        assert info["needs_onboarding"] is True  # a fresh home has no usable provider
        assert info["data_dir"] == str(kitdesk_home.data_dir)

        # Everything else waits for the full app rather than failing.
        waiting = asyncio.ensure_future(get(deferred, "/api/settings"))
        await asyncio.sleep(0.2)
        assert not waiting.done()
    finally:
        gate.set()
    settings = await waiting
    assert settings.status_code == 200, settings.text
    await asyncio.wrap_future(deferred.built)

    # Once built, the full app answers the same question identically.
    late = await get(deferred, "/api/app")
    assert late.json() == info
    await close_when_built(deferred)


async def test_early_answer_sees_a_key_set_in_the_environment(
    kitdesk_home: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
    gate = threading.Event()
    deferred = DeferredApp(lambda: open_basics(kitdesk_home), gated_build(kitdesk_home, gate))
    deferred.start_building()
    try:
        info = (await get(deferred, "/api/app")).json()
    finally:
        gate.set()
    await close_when_built(deferred)
    assert info["needs_onboarding"] is False
    assert info["default_model"] is not None
    assert "sk-env-key" not in str(info)


async def test_a_start_up_problem_is_explained_instead_of_answered_early(
    kitdesk_home: Paths,
) -> None:
    def prepare() -> Basics:
        raise StartupProblem("The settings folder is not writable.")

    deferred = DeferredApp(prepare, gated_build(kitdesk_home, threading.Event()))
    deferred.start_building()
    response = await get(deferred, "/api/app")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "not_started", "message": "The settings folder is not writable."}
    }


async def test_an_unexpected_build_failure_gets_the_generic_message(kitdesk_home: Paths) -> None:
    def build(_: Basics) -> FastAPI:
        raise RuntimeError("boom: /secret/internal/path")

    deferred = DeferredApp(lambda: open_basics(kitdesk_home), build)
    deferred.start_building()
    await asyncio.wrap_future(deferred.basics)
    with pytest.raises(RuntimeError):
        await asyncio.wrap_future(deferred.built)
    # The basics were fine, but the app never came up: say so rather than pretend.
    response = await get(deferred, "/api/app")
    assert response.status_code == 503
    assert response.json()["error"]["message"] == BUILD_FAILED_MESSAGE
    assert "boom" not in response.text


async def test_the_heavy_build_waits_for_the_first_answer(kitdesk_home: Paths) -> None:
    # The build's imports would compete with answering the UI's first question.
    gate = threading.Event()
    build, build_started = noted_build(kitdesk_home, gate)
    deferred = DeferredApp(lambda: open_basics(kitdesk_home), build, first_answer_grace=60)
    deferred.start_building()
    await asyncio.wrap_future(deferred.basics)
    assert not await asyncio.to_thread(build_started.wait, 0.3)
    try:
        assert (await get(deferred, "/api/app")).status_code == 200
        assert await asyncio.to_thread(build_started.wait, 10)
    finally:
        gate.set()
    await close_when_built(deferred)


async def test_while_a_page_loads_the_build_also_waits_for_its_scripts(
    kitdesk_home: Paths,
) -> None:
    # The page asks for api/app while its scripts download (a preload): the build's
    # imports must not slow the sending of those scripts either.
    files = sorted(page_files())
    assert any(name.endswith(".js") for name in files), "the web UI is not built (make webui)"
    gate = threading.Event()
    build, build_started = noted_build(kitdesk_home, gate)
    deferred = DeferredApp(lambda: open_basics(kitdesk_home), build, first_answer_grace=60)
    deferred.start_building()
    await asyncio.wrap_future(deferred.basics)
    try:
        assert (await get(deferred, "/")).status_code == 200
        assert (await get(deferred, "/api/app")).status_code == 200
        for name in files[:-1]:
            assert (await get(deferred, name)).status_code == 200
        assert not await asyncio.to_thread(build_started.wait, 0.3)
        assert (await get(deferred, files[-1])).status_code == 200
        assert await asyncio.to_thread(build_started.wait, 10)
    finally:
        gate.set()
    await close_when_built(deferred)


async def test_any_other_request_starts_the_build_at_once(kitdesk_home: Paths) -> None:
    deferred = DeferredApp(
        lambda: open_basics(kitdesk_home),
        lambda basics: create_app(kitdesk_home, basics),
        first_answer_grace=60,
    )
    deferred.start_building()
    # Without the request starting the build, this would wait the whole grace period.
    response = await asyncio.wait_for(get(deferred, "/api/settings"), timeout=20)
    assert response.status_code == 200, response.text
    await close_when_built(deferred)
