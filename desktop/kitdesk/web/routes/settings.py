"""``/api/settings``: read and change the app's settings (validated, written atomically)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from kitdesk.errors import UserFacingError
from kitdesk.providers.resolver import all_providers, split_ref
from kitdesk.settings import Language, Settings, Theme
from kitdesk.web.bodies import Body
from kitdesk.web.errors import invalid_body
from kitdesk.web.services import ApiServices


class SettingsPatch(Body):
    system_prompt: str = ""
    temperature: float | None = None
    theme: Theme = "system"
    language: Language = "system"
    default_provider: str | None = None
    default_model: str | None = None
    auto_title: bool = True
    close_to_tray: bool = False
    notify_when_done: bool = True
    quick_ask_hotkey: str = ""


def settings_json(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude={"window"})


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    settings_file = services.settings_file

    @router.get("/settings")
    def get_settings() -> dict[str, Any]:
        return settings_json(settings_file.settings)

    @router.put("/settings")
    def put_settings(patch: SettingsPatch) -> dict[str, Any]:
        changes = patch.model_dump(exclude_unset=True)
        current = settings_file.settings
        if changes.get("default_model"):
            # A model ref from the picker names its provider too.
            provider_id, model = split_ref(changes["default_model"])
            changes["default_model"] = model
            if provider_id is not None:
                changes["default_provider"] = provider_id
        provider_id = changes.get("default_provider")
        if provider_id:
            if not any(p.id == provider_id for p in all_providers(current)):
                raise UserFacingError(
                    f"default_provider: there is no provider “{provider_id}”.",
                    status=422,
                    code="invalid_settings",
                )
            if provider_id != current.default_provider and "default_model" not in changes:
                # The old default model belonged to the old provider.
                changes["default_model"] = None
        try:
            saved = settings_file.update(**changes)
        except ValidationError as exc:
            raise invalid_body(exc) from None
        return settings_json(saved)

    return router
