"""``/api/settings``: read and change the app's settings (validated, written atomically).

``reasoning_effort`` is merged, not replaced: ``{"provider::model": "high"}``
sets one model's effort and ``{"provider::model": null}`` takes it back to the
model's default, so the Settings page changes one model without resending the
others.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from kitdesk.errors import UserFacingError
from kitdesk.providers.resolver import REF_SEPARATOR, all_providers, split_ref
from kitdesk.settings import Language, ReasoningEffort, Settings, Theme
from kitdesk.updates.config import DEFAULT_FEED_URL, DEFAULT_UPDATES_CHOICE, UpdatesChoice
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
    updates: UpdatesChoice = DEFAULT_UPDATES_CHOICE
    update_feed_url: str = DEFAULT_FEED_URL
    reasoning_effort: dict[str, ReasoningEffort | None] = {}
    close_to_tray: bool = False
    notify_when_done: bool = True
    quick_ask_hotkey: str = ""


MAX_REF_LENGTH = 300


def _refused(message: str) -> UserFacingError:
    return UserFacingError(f"reasoning_effort: {message}", status=422, code="invalid_settings")


def merged_reasoning_effort(
    current: Settings, changes: dict[str, ReasoningEffort | None]
) -> dict[str, ReasoningEffort]:
    """The stored efforts with ``changes`` applied; every ref checked, in words."""
    providers = {p.id: p for p in all_providers(current)}
    merged = dict(current.reasoning_effort)
    for ref, effort in changes.items():
        provider_id, model = split_ref(ref)
        if effort is None:
            merged.pop(ref, None)  # back to the default: fine for any ref, even a gone one
            continue
        if len(ref) > MAX_REF_LENGTH or not provider_id or not model.strip():
            raise _refused(f"“{ref[:80]}” is not a model ref; use “provider{REF_SEPARATOR}model”.")
        provider = providers.get(provider_id)
        if provider is None:
            raise _refused(f"there is no provider “{provider_id}”.")
        if not provider.uses_responses_api:
            raise _refused(f"{provider.name} does not take a reasoning effort; OpenAI models do.")
        merged[ref] = effort
    return merged


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
        if "reasoning_effort" in changes:
            changes["reasoning_effort"] = merged_reasoning_effort(
                current, changes["reasoning_effort"]
            )
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
