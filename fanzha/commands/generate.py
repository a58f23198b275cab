"""``fanzha generate``: create the synthetic demo county in an empty data directory."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from fanzha.errors import UserFacingError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("generate", help="生成合成演示县区数据 / generate the synthetic county")
    add_generate_arguments(parser)
    parser.set_defaults(func=run)


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", required=True, help="数据目录（必须为空） / data directory (must be empty)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (default 2026)")
    parser.add_argument("--scale", type=float, default=1.0, help="规模倍数 / scale factor (default 1)")
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=None,
        help="数据截止日期 YYYY-MM-DD / last day of generated data (default: the generator's fixed 2026-10-31)",
    )


def run(args: argparse.Namespace) -> int:
    if args.scale <= 0:
        raise UserFacingError("--scale 必须大于 0", "--scale must be greater than 0")
    data_dir = Path(args.data_dir).expanduser().resolve()
    existed = data_dir.exists()
    from fanzha.runtime import prepare_data_dir

    prepare_data_dir(data_dir, must_be_empty=True)
    try:
        summary = generate_into(data_dir, seed=args.seed, scale=args.scale, end_date=args.end_date)
    except BaseException:
        # The directory was empty before: leave it as it was, not half-filled.
        if existed:
            for child in data_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
        raise
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def generate_into(data_dir: Path, *, seed: int, scale: float, end_date: date | None = None) -> dict[str, Any]:
    """Migrate, generate, load and write ``county.json``; return the row counts and timings."""
    from fanzha.runtime import check_database, migrate, setup_django

    setup_django(data_dir)
    database = check_database()
    migrate()
    from fanzha.stations.models import Station

    if Station.objects.exists():
        raise UserFacingError(
            "数据库中已有派出所数据，不再生成演示县区（未做任何修改）",
            "the database already holds a station; not generating a demo county (nothing was changed)",
        )
    from fanzha.county_loader import load_county, manifest_dates
    from fanzha.generator.county import generate_county

    started = time.perf_counter()
    county = (
        generate_county(seed=seed, scale=scale)
        if end_date is None
        else generate_county(seed, scale, end_date)
    )

    def progress(table: str, rows: int) -> None:
        print(f"\r已写入 {table}: {rows}", end="", file=sys.stderr, flush=True)

    counts = load_county(county, progress=progress)
    print(file=sys.stderr)
    statement_files = county.write_statements(data_dir / "statements")
    elapsed = time.perf_counter() - started
    truth = manifest_dates(county.truth())
    truth["loaded_rows"] = counts
    truth["statement_paths"] = [str(p.relative_to(data_dir)) for p in statement_files]
    (data_dir / "county.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8")
    rows = sum(counts.values())
    return {
        "data_dir": str(data_dir),
        "database": database,
        "seed": seed,
        "scale": scale,
        "rows": counts,
        "statement_files": len(statement_files),
        "seconds": round(elapsed, 2),
        "rows_per_second": round(rows / elapsed) if elapsed else None,
    }
