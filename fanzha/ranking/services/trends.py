"""Series for the ranking charts: coverage per grid per day, rank per grid per day, and the
grid × day heat map of new registrations, all from one :func:`ranking_history` call."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from fanzha.ranking.services.figures import current_config, ranking_history

MAX_DAYS = 180


@dataclass(frozen=True)
class ChartData:
    days: list[date]
    grids: list[tuple[str, str]]  # (code, name), station order by code
    coverage: dict[str, list[float]]  # grid code -> share per day
    rank: dict[str, list[int]]
    new_registrations: dict[str, list[int]]

    def as_json(self) -> dict[str, object]:
        return {
            "days": [d.isoformat() for d in self.days],
            "grids": [{"code": c, "name": n} for c, n in self.grids],
            "coverage": {k: [round(v * 100, 2) for v in vs] for k, vs in self.coverage.items()},
            "rank": self.rank,
            "new_registrations": self.new_registrations,
        }


def chart_data(end: date, days: int, visible_codes: Collection[str] | None = None) -> ChartData:
    """The last ``days`` days up to ``end``; ranks are station-wide, the series only for ``visible_codes``."""
    days = max(1, min(days, MAX_DAYS))
    start = end - timedelta(days=days - 1)
    history = ranking_history(start, end, current_config())
    day_list = sorted(history)
    names: dict[str, str] = {}
    coverage: dict[str, list[float]] = {}
    rank: dict[str, list[int]] = {}
    new: dict[str, list[int]] = {}
    for d in day_list:
        for r in history[d]:
            code = r.figures.grid
            if visible_codes is not None and code not in visible_codes:
                continue
            names[code] = r.figures.name
            coverage.setdefault(code, []).append(r.figures.coverage)
            rank.setdefault(code, []).append(r.rank)
            new.setdefault(code, []).append(r.figures.new_registrations)
    grids = sorted(names.items())
    return ChartData(day_list, grids, coverage, rank, new)
