"""Loads the generator's data files (name parts, places, categories, banks, templates)."""

from __future__ import annotations

from functools import cache
from typing import Any

from fanzha.domain.data_files import load_data_json


@cache
def load_generator_data(name: str) -> dict[str, Any]:
    """Return the parsed JSON file ``fanzha/data/generator/<name>.json`` (cached)."""
    data: dict[str, Any] = load_data_json(f"generator/{name}.json")
    return data
