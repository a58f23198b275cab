"""Loads the generator's data files (name parts, places, categories, banks, templates)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_generator_data(name: str) -> dict[str, Any]:
    """Return the parsed JSON file ``fanzha/data/generator/<name>.json`` (cached)."""
    text = resources.files("fanzha.data").joinpath("generator").joinpath(f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
