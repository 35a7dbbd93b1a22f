"""``/api/updates``: the update state, "Check now", the opt-in choice and "Restart to update".

Thin on purpose: the policy, the download and the checks live in
``kitdesk.updates``. Checks and downloads run on the checker's own thread, so
every route answers at once; the UI polls ``GET /api/updates`` while the
status is ``checking`` or ``downloading``. Problems found while checking are
part of the state (a quiet ``could_not_check``, a ``refused`` with its
sentence); only "Restart to update" can fail as a request.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks
from pydantic import ValidationError

from kitdesk.errors import UserFacingError
from kitdesk.updates.checker import UpdateChecker
from kitdesk.web.bodies import Body
from kitdesk.web.errors import invalid_body
from kitdesk.web.services import ApiServices


class ChoiceBody(Body):
    choice: Literal["on", "off"]


class UpdatesUnavailable(UserFacingError):
    status = 404
    code = "updates_unavailable"

    def __init__(self) -> None:
        super().__init__("Updates are not available in this copy of Kitdesk.")


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/updates")
    settings_file = services.settings_file

    def checker() -> UpdateChecker:
        if services.updates is None:
            raise UpdatesUnavailable()
        return services.updates

    def state(extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {**checker().state().model_dump(mode="json"), **(extra or {})}

    @router.get("")
    def get_updates() -> dict[str, Any]:
        # The first ask comes from the loaded UI: the moment to tidy up and run the daily check.
        checker().on_ui_ready()
        return state()

    @router.post("/check")
    def check_now() -> dict[str, Any]:
        checker().start_background(automatic=False)
        return state()

    @router.put("/choice")
    def choose(body: ChoiceBody) -> dict[str, Any]:
        try:
            settings_file.update(updates=body.choice)
        except ValidationError as exc:
            raise invalid_body(exc) from None
        if body.choice == "on":
            checker().start_background(automatic=True)
        return state()

    @router.post("/install")
    def install(tasks: BackgroundTasks) -> dict[str, Any]:
        result = checker().install()  # an UpdateProblem is a UserFacingError: a sentence
        restart = services.restart
        restarting = restart is not None and restart.can_restart
        if restart is not None:
            # Once this answer is sent: close the window; it starts the new version as it exits.
            tasks.add_task(restart.request, result)
        return state({"restarting": restarting})

    return router
