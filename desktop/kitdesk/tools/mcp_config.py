"""How one MCP server is configured, and where its secrets live.

A server is started either as a local process speaking MCP over stdio
(``command``, ``args``, ``env``, ``cwd``) or reached over streamable HTTP
(``url``, ``headers``). Environment variables and headers come in two kinds:
plain values kept in ``settings.json``, and secret ones (tokens) whose *names*
are kept here while their values live in the OS keyring under
``mcp:<server id>:env:<NAME>`` / ``mcp:<server id>:header:<Name>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from kitdesk.tools.base import Approval

McpTransport = Literal["stdio", "http"]

SERVER_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
MAX_SECRET_LENGTH = 8192

# Seconds; the settings can override them (mcp_start_timeout / mcp_call_timeout).
START_TIMEOUT_SECONDS = 20.0
CALL_TIMEOUT_SECONDS = 120.0

SecretKind = Literal["env", "header"]


class InvalidSecret(ValueError):
    """A secret value that cannot be stored; the message says why (never echoing it)."""


def secret_key_name(server_id: str, kind: SecretKind, name: str) -> str:
    """The keyring entry of one secret env variable or header of one server."""
    return f"mcp:{server_id}:{kind}:{name}"


def normalize_secret(raw: str) -> str:
    """Trim a pasted secret; unlike API keys it may hold spaces (``Bearer abc``)."""
    value = raw.strip()
    if not value:
        raise InvalidSecret("The secret value is empty.")
    if len(value) > MAX_SECRET_LENGTH:
        raise InvalidSecret(f"The secret value is longer than {MAX_SECRET_LENGTH:,} characters.")
    if any(ch in value for ch in "\r\n\0"):
        raise InvalidSecret("The secret value must be on one line.")
    return value


def _check_names(names: list[str], pattern: re.Pattern[str], what: str) -> list[str]:
    seen: set[str] = set()
    for name in names:
        if not pattern.match(name):
            raise ValueError(f"“{name}” is not a valid {what} name")
        if name.lower() in seen if what == "header" else name in seen:
            raise ValueError(f"the {what} “{name}” is listed twice")
        seen.add(name.lower() if what == "header" else name)
    return names


class McpServer(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=SERVER_ID_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    transport: McpTransport = "stdio"
    command: str = Field(default="", max_length=1000)
    args: list[str] = Field(default_factory=list, max_length=200)
    env: dict[str, str] = Field(default_factory=dict)  # plain values
    secret_env: list[str] = Field(default_factory=list)  # names; values in the keyring
    cwd: str | None = Field(default=None, max_length=1000)
    url: str = Field(default="", max_length=2000)
    headers: dict[str, str] = Field(default_factory=dict)  # plain values
    secret_headers: list[str] = Field(default_factory=list)  # names; values in the keyring
    enabled: bool = True
    approval: Approval = "ask"

    @field_validator("name")
    @classmethod
    def _trimmed_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("command", "url")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @field_validator("cwd")
    @classmethod
    def _blank_cwd_is_none(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("env")
    @classmethod
    def _env_names(cls, env: dict[str, str]) -> dict[str, str]:
        _check_names(list(env), ENV_NAME, "environment variable")
        return env

    @field_validator("secret_env")
    @classmethod
    def _secret_env_names(cls, names: list[str]) -> list[str]:
        return _check_names(names, ENV_NAME, "environment variable")

    @field_validator("headers")
    @classmethod
    def _header_names(cls, headers: dict[str, str]) -> dict[str, str]:
        _check_names(list(headers), HEADER_NAME, "header")
        if any(ch in value for value in headers.values() for ch in "\r\n"):
            raise ValueError("a header value must be on one line")
        return headers

    @field_validator("secret_headers")
    @classmethod
    def _secret_header_names(cls, names: list[str]) -> list[str]:
        return _check_names(names, HEADER_NAME, "header")

    @model_validator(mode="after")
    def _transport_fields(self) -> McpServer:
        if self.transport == "stdio":
            if not self.command:
                raise ValueError(
                    "a stdio server needs a command to start it, for example npx or uvx"
                )
            both = set(self.env) & set(self.secret_env)
        else:
            url = self.url
            if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
                raise ValueError("an HTTP server needs a URL starting with http:// or https://")
            if any(ch.isspace() for ch in url):
                raise ValueError("the URL must not contain spaces")
            both = {h.lower() for h in self.headers} & {h.lower() for h in self.secret_headers}
        if both:
            raise ValueError(f"“{sorted(both)[0]}” is both a plain and a secret value")
        return self

    def secret_names(self) -> list[tuple[SecretKind, str]]:
        """The secrets this server's current transport uses."""
        if self.transport == "stdio":
            return [("env", name) for name in self.secret_env]
        return [("header", name) for name in self.secret_headers]

    def all_secret_names(self) -> list[tuple[SecretKind, str]]:
        """Every secret name held, whatever the transport (for clean-up)."""
        env: list[tuple[SecretKind, str]] = [("env", n) for n in self.secret_env]
        return env + [("header", n) for n in self.secret_headers]


def unique_server_ids(servers: list[McpServer]) -> list[McpServer]:
    seen: set[str] = set()
    for server in servers:
        if server.id in seen:
            raise ValueError(f"two MCP servers share the id {server.id!r}")
        seen.add(server.id)
    return servers


class McpProblem(Exception):
    """Something went wrong with a server; the message is a sentence naming it."""


@dataclass(frozen=True)
class LaunchConfig:
    """Everything needed to connect: the settings plus the secret values from the keyring."""

    server: McpServer
    secret_env: dict[str, str]
    secret_headers: dict[str, str]

    @property
    def label(self) -> str:
        return f"The MCP server “{self.server.name}”"
