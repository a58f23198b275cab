"""The one reader of the JSON files shipped in ``fanzha/data/`` (taxonomy, rules, templates, lists).

Every module asks :func:`load_data_json` instead of opening the files itself, so the location of
the data, the encoding and the caching are decided here once. The parsed object is cached for
the life of the process and shared by every caller: treat it as read-only (copy before changing).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

# fanzha/data is package data, not an importable package, so it is located from this file.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_path(relative: str) -> Path:
    """The path of a file below ``fanzha/data/`` ("risk/moves.json")."""
    return DATA_DIR / relative


@cache
def load_data_json(relative: str) -> Any:
    """The parsed JSON file ``fanzha/data/<relative>``, read once per process (do not mutate it)."""
    return json.loads(data_path(relative).read_text(encoding="utf-8"))
