"""API shapes of the home page."""

from __future__ import annotations

from typing import Literal

from healthnet.core.schemas import ApiModel


class TodoRead(ApiModel):
    key: str
    title: str
    count: int
    path: str
    level: Literal["info", "warning", "danger"]
