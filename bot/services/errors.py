"""A failure the user should be told about: a catalog key and its values."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values
