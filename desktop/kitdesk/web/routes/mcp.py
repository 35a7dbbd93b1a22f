"""``/api/mcp/servers``: the MCP servers whose tools the model may call.

Add, edit, remove and test servers. Secret environment variables and headers
come in through ``secret_values`` and go straight to the keyring; they never
come out: a server's JSON says only which secret names have a stored value
(``secrets_set``). Routes that touch the keyring or the settings file are plain
``def`` (run in the thread pool); the tests connect to the server and are async.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from fastapi import APIRouter
from pydantic import Field, ValidationError

from kitdesk.errors import UserFacingError
from kitdesk.keys import KeyringUnavailable, KeyStore
from kitdesk.settings import Settings
from kitdesk.tools.base import Approval
from kitdesk.tools.mcp_config import (
    InvalidSecret,
    LaunchConfig,
    McpProblem,
    McpServer,
    McpTransport,
    SecretKind,
    normalize_secret,
    secret_key_name,
)
from kitdesk.web.bodies import Body
from kitdesk.web.errors import invalid_body
from kitdesk.web.routes.keys import key_error
from kitdesk.web.services import ApiServices

log = logging.getLogger(__name__)

CODE = "invalid_mcp_server"


class SecretValues(Body):
    """New values for secret names; a name left out keeps its stored value."""

    env: dict[str, str] = Field(default_factory=dict)
    header: dict[str, str] = Field(default_factory=dict)


class McpServerBody(Body):
    id: str | None = None  # only when adding; made from the name when missing
    name: str = ""
    transport: McpTransport = "stdio"
    command: str = ""
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    secret_env: list[str] = Field(default_factory=list)
    cwd: str | None = None
    url: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    secret_headers: list[str] = Field(default_factory=list)
    enabled: bool = True
    approval: Approval = "ask"
    secret_values: SecretValues = Field(default_factory=SecretValues)


class McpTestBody(McpServerBody):
    # Test a changed configuration of a saved server with its stored secrets.
    server_id: str | None = None


class McpServerNotFound(UserFacingError):
    status = 404
    code = "mcp_server_not_found"

    def __init__(self, server_id: str) -> None:
        super().__init__(f"There is no MCP server “{server_id}”. It may have been removed.")


def _validated(fields: dict[str, Any]) -> McpServer:
    try:
        return McpServer.model_validate(fields)
    except ValidationError as exc:
        raise invalid_body(exc, CODE) from None


def _new_server_id(settings: Settings, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "server"
    taken = {s.id for s in settings.mcp_servers}
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def _check_secret_values(server: McpServer, values: SecretValues) -> dict[str, str]:
    """Keyring entry -> normalized value, for the secret names the server declares."""
    declared = {"env": set(server.secret_env), "header": set(server.secret_headers)}
    given: dict[SecretKind, dict[str, str]] = {"env": values.env, "header": values.header}
    checked: dict[str, str] = {}
    for kind, entries in given.items():
        for name, value in entries.items():
            if name not in declared[kind]:
                what = "environment variable" if kind == "env" else "header"
                raise UserFacingError(
                    f"secret_values: the {what} “{name}” is not listed as secret.",
                    status=422,
                    code=CODE,
                )
            try:
                checked[secret_key_name(server.id, kind, name)] = normalize_secret(value)
            except InvalidSecret as exc:
                raise UserFacingError(
                    f"secret_values: {name}: {exc}", status=422, code=CODE
                ) from None
    return checked


def _store_secrets(keys: KeyStore, checked: dict[str, str]) -> None:
    try:
        for entry, value in checked.items():
            keys.set(entry, value, normalize=normalize_secret)
    except KeyringUnavailable as exc:
        raise key_error(exc) from None


def _forget_secrets(keys: KeyStore, server_id: str, names: list[tuple[SecretKind, str]]) -> None:
    for kind, name in names:
        try:
            keys.delete(secret_key_name(server_id, kind, name))
        except KeyringUnavailable:
            log.warning("could not delete a secret of MCP server %s", server_id)


def server_json(server: McpServer, keys: KeyStore) -> dict[str, Any]:
    data = server.model_dump(mode="json")
    data["secrets_set"] = {
        "env": [n for n in server.secret_env if keys.get(secret_key_name(server.id, "env", n))],
        "header": [
            n for n in server.secret_headers if keys.get(secret_key_name(server.id, "header", n))
        ],
    }
    return data


def _tools_answer(tools: list[Any], server: McpServer) -> dict[str, Any]:
    listed = [
        {"name": t.name, "title": t.title or "", "description": (t.description or "").strip()}
        for t in tools
    ]
    count = f"{len(listed)} tool" + ("" if len(listed) == 1 else "s")
    return {"ok": True, "message": f"Connected to “{server.name}”: {count}.", "tools": listed}


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    settings_file = services.settings_file
    keys = services.keys

    def saved(server_id: str) -> McpServer:
        server = settings_file.settings.mcp_server(server_id)
        if server is None:
            raise McpServerNotFound(server_id)
        return server

    def save(servers: list[McpServer]) -> None:
        try:
            settings_file.update(mcp_servers=servers)
        except ValidationError as exc:
            raise invalid_body(exc, CODE) from None

    async def test_config(config: LaunchConfig) -> dict[str, Any]:
        from kitdesk.tools.mcp_client import list_server_tools  # the SDK loads on first use

        settings = settings_file.settings
        try:
            tools = await list_server_tools(config, start_timeout=settings.mcp_start_timeout)
        except McpProblem as exc:
            return {"ok": False, "message": str(exc), "tools": []}
        return _tools_answer(tools, config.server)

    def stored_secrets(server: McpServer, from_id: str | None) -> LaunchConfig:
        secrets: dict[str, dict[str, str]] = {"env": {}, "header": {}}
        if from_id is not None:
            for kind, name in server.secret_names():
                value = keys.get(secret_key_name(from_id, kind, name))
                if value is not None:
                    secrets[kind][name] = value
        return LaunchConfig(server, secrets["env"], secrets["header"])

    @router.get("/mcp/servers")
    def list_servers() -> list[dict[str, Any]]:
        return [server_json(s, keys) for s in settings_file.settings.mcp_servers]

    @router.post("/mcp/servers", status_code=201)
    def add_server(body: McpServerBody) -> dict[str, Any]:
        settings = settings_file.settings
        fields = body.model_dump(exclude={"secret_values"})
        if body.id is not None and settings.mcp_server(body.id) is not None:
            raise UserFacingError(
                f"id: an MCP server with the id “{body.id}” already exists.", status=409, code=CODE
            )
        fields["id"] = body.id or _new_server_id(settings, body.name)
        server = _validated(fields)
        checked = _check_secret_values(server, body.secret_values)
        # Secrets left behind by an earlier server with this id must not be inherited.
        _forget_secrets(keys, server.id, server.all_secret_names())
        _store_secrets(keys, checked)
        save([*settings.mcp_servers, server])
        return server_json(server, keys)

    @router.put("/mcp/servers/{server_id}")
    def edit_server(server_id: str, body: McpServerBody) -> dict[str, Any]:
        settings = settings_file.settings
        before = saved(server_id)
        if body.id is not None and body.id != server_id:
            raise UserFacingError("id: a server's id cannot change.", status=422, code=CODE)
        fields = {**before.model_dump(), **body.model_dump(exclude={"secret_values", "id"})}
        server = _validated({**fields, "id": server_id})
        checked = _check_secret_values(server, body.secret_values)
        _store_secrets(keys, checked)
        kept = set(server.all_secret_names())
        _forget_secrets(keys, server_id, [n for n in before.all_secret_names() if n not in kept])
        save([server if s.id == server_id else s for s in settings.mcp_servers])
        return server_json(server, keys)

    @router.delete("/mcp/servers/{server_id}")
    def delete_server(server_id: str) -> dict[str, Any]:
        settings = settings_file.settings
        server = saved(server_id)
        save([s for s in settings.mcp_servers if s.id != server_id])
        _forget_secrets(keys, server_id, server.all_secret_names())
        return {"deleted": server_id}

    @router.post("/mcp/servers/{server_id}/test")
    async def test_saved(server_id: str) -> dict[str, Any]:
        server = saved(server_id)
        config = await asyncio.to_thread(stored_secrets, server, server_id)
        return await test_config(config)

    @router.post("/mcp/test")
    async def test_unsaved(body: McpTestBody) -> dict[str, Any]:
        if body.server_id is not None:
            saved(body.server_id)
        fields = body.model_dump(exclude={"secret_values", "server_id"})
        fields["id"] = body.server_id or body.id or "unsaved"
        fields["name"] = body.name.strip() or "unsaved server"
        server = _validated(fields)
        checked = _check_secret_values(server, body.secret_values)
        config = await asyncio.to_thread(stored_secrets, server, body.server_id)
        for kind, name in server.secret_names():
            value = checked.get(secret_key_name(server.id, kind, name))
            if value is not None:
                (config.secret_env if kind == "env" else config.secret_headers)[name] = value
        return await test_config(config)

    return router
