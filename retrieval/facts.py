"""Structured support facts (hours, numbers, SLAs, tiers) derived from the seed document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class SupportFacts:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @classmethod
    def load(cls, path: Path) -> SupportFacts:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def get(self, dotted_key: str) -> Any:
        """A value by dotted path, e.g. `phone.emergency.display`; KeyError names the path."""
        value: Any = self._data
        for part in dotted_key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KeyError(f"support facts have no '{dotted_key}'")
            value = value[part]
        return value
