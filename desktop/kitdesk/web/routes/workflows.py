"""``/api/workflows``: Agent Builder workflows (hosted ChatKit mode), opt-in and online.

A workflow is added by id (``wf_…``) with an OpenAI provider, whose key creates
the sessions; ``POST /api/workflows/{id}/session`` answers a fresh client
secret for OpenAI's ChatKit runtime (``api.getClientSecret`` in the page, also
called again to refresh an expired one), and ``GET /api/workflows/{id}/threads``
lists the workflow's threads. Only providers whose kind can run hosted ChatKit
(``hosted_chatkit`` in ``providers/kinds.py``) are accepted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from kitdesk.errors import UserFacingError
from kitdesk.providers.workflows import HostedChatKit, WorkflowUnavailable, new_hosted_user
from kitdesk.settings import Provider, Workflow
from kitdesk.web.bodies import Body
from kitdesk.web.errors import invalid_body
from kitdesk.web.routes.keys import any_provider
from kitdesk.web.services import ApiServices


class WorkflowCreate(Body):
    id: str
    name: str
    provider_id: str


class WorkflowNotFound(UserFacingError):
    status = 404
    code = "workflow_not_found"

    def __init__(self, workflow_id: str) -> None:
        super().__init__(f"There is no workflow “{workflow_id[:130]}”. It may have been removed.")


def _unavailable(exc: WorkflowUnavailable) -> UserFacingError:
    return UserFacingError(str(exc), status=502, code="workflow_unavailable")


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    settings_file = services.settings_file
    keys = services.keys
    hosted = HostedChatKit()

    def hosting_provider(provider_id: str) -> Provider:
        provider = any_provider(settings_file.settings, provider_id)
        if not provider.kind_info.hosted_chatkit:
            raise UserFacingError(
                f"“{provider.name}” cannot run Agent Builder workflows: pick an OpenAI provider.",
                status=422,
                code="invalid_workflow",
            )
        return provider

    def workflow(workflow_id: str) -> Workflow:
        found = next((w for w in settings_file.settings.workflows if w.id == workflow_id), None)
        if found is None:
            raise WorkflowNotFound(workflow_id)
        return found

    def hosted_user() -> str:
        user = settings_file.settings.hosted_user
        if user is None:
            user = new_hosted_user()
            settings_file.update(hosted_user=user)
        return user

    @router.get("/workflows")
    def list_workflows() -> list[dict[str, Any]]:
        return [w.model_dump(mode="json") for w in settings_file.settings.workflows]

    @router.post("/workflows", status_code=201)
    def add_workflow(body: WorkflowCreate) -> dict[str, Any]:
        try:
            added = Workflow.model_validate(body.model_dump())
        except ValidationError as exc:
            raise invalid_body(exc, "invalid_workflow") from None
        hosting_provider(added.provider_id)
        settings = settings_file.settings
        if any(w.id == added.id for w in settings.workflows):
            raise UserFacingError(
                f"The workflow {added.id} is already added.", status=409, code="workflow_exists"
            )
        settings_file.update(workflows=[*settings.workflows, added])
        return added.model_dump(mode="json")

    @router.delete("/workflows/{workflow_id}")
    def remove_workflow(workflow_id: str) -> dict[str, Any]:
        workflow(workflow_id)
        remaining = [w for w in settings_file.settings.workflows if w.id != workflow_id]
        settings_file.update(workflows=remaining)
        return {"deleted": workflow_id}

    @router.post("/workflows/{workflow_id}/session")
    async def new_session(workflow_id: str) -> dict[str, Any]:
        chosen = workflow(workflow_id)
        provider = hosting_provider(chosen.provider_id)
        key = await asyncio.to_thread(keys.get, provider.id)
        user = await asyncio.to_thread(hosted_user)
        try:
            session = await hosted.create_session(chosen, provider, key, user)
        except WorkflowUnavailable as exc:
            raise _unavailable(exc) from None
        return session.to_json()

    @router.get("/workflows/{workflow_id}/threads")
    async def workflow_threads(workflow_id: str) -> dict[str, Any]:
        chosen = workflow(workflow_id)
        provider = hosting_provider(chosen.provider_id)
        user = settings_file.settings.hosted_user
        if user is None:  # no session was ever started, so there are no threads (a GET
            return {"data": []}  # changes nothing: the user is made by the first session)
        key = await asyncio.to_thread(keys.get, provider.id)
        try:
            threads = await hosted.list_threads(chosen, provider, key, user)
        except WorkflowUnavailable as exc:
            raise _unavailable(exc) from None
        return {"data": threads}

    return router
