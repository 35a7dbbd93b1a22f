"""The base of every ``/api`` request body: unknown fields are refused, by name."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
