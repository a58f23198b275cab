"""Benchmark: match and dispatch 100,000 clues against 1,000,000 residents.

Builds a scratch SQLite station (1,000 grids, residents inserted with executemany, which is
setup and not timed), then times ``receive_clues`` (set-based) against a straightforward
per-row ORM loop (one lookup by ID, one by phone, one save per clue). The naive loop runs on
a subset and is extrapolated linearly; the printout says so.

    .venv/bin/python bench/bench_clues.py [--residents 1000000] [--clues 100000] [--naive 2000]
        [--scratch DIR]   # keep the station in DIR; a second run reuses its residents
    BENCH_PROFILE=1 (or =tottime) prints a cProfile of receive_clues instead of timing it bare.

The clue mix: 80 % carry the resident's ID number, 10 % only the phone, 4 % only name and
address (fuzzy), 6 % people from elsewhere (queued); 3 % repeat an earlier clue (merged).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--clues", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=2_000, help="clues for the per-row loop")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--scratch",
        type=Path,
        help="use (and keep) this directory; residents already there from an earlier run with the "
        "same --residents are reused and earlier clues deleted, which skips the minutes of setup",
    )
    args = parser.parse_args()

    os.environ.pop("DATABASE_URL", None)  # the scratch station is always SQLite
    keep = args.keep or args.scratch is not None
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="fanzha-bench-clues-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        run(scratch, args.residents, args.clues, args.naive)
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)


def run(scratch: Path, n_residents: int, n_clues: int, n_naive: int) -> None:
    from fanzha.runtime import open_station

    open_station(scratch)
    from django.db import connection, transaction
    from django.utils import timezone

    from fanzha.clues.intake import ClueInput, receive_clues
    from fanzha.clues.models import Clue
    from fanzha.stations.models import Community, Grid, Resident, Station, User

    t0 = time.perf_counter()
    reuse = Station.objects.filter(code="B").exists() and Resident.objects.count() == n_residents
    if reuse:
        with connection.cursor() as cursor:  # the ORM delete would collect 100,000 rows first
            cursor.execute("DELETE FROM clues_clue")
        grids = list(Grid.objects.order_by("code"))
    else:
        station = Station.objects.create(code="B", name="基准派出所")
        community = Community.objects.create(station=station, code="C1", name="基准社区")
        officers = User.objects.bulk_create(User(username=f"officer{i}", role="officer") for i in range(200))
        grids = Grid.objects.bulk_create(
            Grid(community=community, code=f"G{i:04d}", name=f"警格{i}", officer=officers[i % 200])
            for i in range(1000)
        )
    surnames = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    )
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强玉兰海燕文斌小红晓东"
    roads = [
        "东风路",
        "人民路",
        "建设路",
        "解放路",
        "新华路",
        "和平路",
        "胜利路",
        "长江路",
        "中山路",
        "青年路",
    ]

    def person(i: int) -> tuple[str, str, str, str, int, date]:
        r = random.Random(i)
        name = r.choice(surnames) + "".join(r.choice(given) for _ in range(r.choice((1, 2))))
        born = date(1940 + r.randrange(66), 1 + r.randrange(12), 1 + r.randrange(28))
        id_number = (
            f"420528{born:%Y%m%d}{i % 1000:03d}X" if i % 11 == 0 else f"420528{born:%Y%m%d}{i % 10000:04d}"
        )
        id_number = f"{i:08d}{id_number[8:]}"[:18]
        phone = f"1{3 + r.randrange(7)}{i:09d}"
        address = f"青禾县城关镇{roads[r.randrange(10)]}{1 + r.randrange(300)}号{1 + r.randrange(18)}栋{r.randrange(1, 5)}单元{i % 97:03d}室"
        return name, id_number, phone, address, grids[i % 1000].pk, born

    with connection.cursor() as cursor, transaction.atomic():
        batch = []
        for i in range(0 if reuse else n_residents):
            name, id_number, phone, address, grid_id, born = person(i)
            batch.append((i + 1, name, id_number, phone, address, grid_id, born.isoformat(), "", ""))
            if len(batch) == 50_000:
                cursor.executemany(
                    "INSERT INTO stations_resident (id, name, id_number, phone, address, grid_id, birth_date, sex, occupation) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                    batch,
                )
                batch = []
        if batch:
            cursor.executemany(
                "INSERT INTO stations_resident (id, name, id_number, phone, address, grid_id, birth_date, sex, occupation) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                batch,
            )
    setup_seconds = time.perf_counter() - t0
    print(
        f"setup: {n_residents:,} residents, 1,000 grids in {setup_seconds:.1f} s "
        f"({'reused from ' + str(scratch) if reuse else 'built'}; not timed below)"
    )

    start = timezone.make_aware(datetime(2026, 11, 1, 8))
    kinds = ["被涉诈电话呼叫", "被涉诈短信", "安装涉诈APP", "访问涉诈网址", "向涉案账户转账"]

    def make_clues(prefix: str, count: int, seed: int) -> list[ClueInput]:
        r = random.Random(seed)
        out: list[ClueInput] = []
        for k in range(count):
            at = start + timedelta(seconds=30 * k)
            roll = r.random()
            i = r.randrange(n_residents)
            name, id_number, phone, address, _grid, _born = person(i)
            ident = f"170{r.randrange(10**8):08d}"
            if roll < 0.03 and out:
                prev = out[r.randrange(len(out))]
                out.append(
                    ClueInput(
                        source="上级下发",
                        source_id=f"{prefix}{k:07d}",
                        received_at=max(at, prev.received_at),
                        target_name=prev.target_name,
                        target_id_number=prev.target_id_number,
                        target_phone=prev.target_phone,
                        target_address=prev.target_address,
                        kind=prev.kind,
                        fraud_identifier=prev.fraud_identifier,
                    )
                )
                continue
            if roll < 0.80:
                fields = {"target_id_number": id_number, "target_phone": phone if r.random() < 0.88 else ""}
            elif roll < 0.90:
                fields = {"target_phone": phone}
            elif roll < 0.94:
                fields = {"target_address": address}
            else:
                name, fields = (
                    "外地" + name,
                    {"target_id_number": f"44030{k:013d}"[:18], "target_address": f"广东省深圳市宝安区{k}号"},
                )
            out.append(
                ClueInput(
                    source="上级下发",
                    source_id=f"{prefix}{k:07d}",
                    received_at=at,
                    target_name=name,
                    kind=r.choice(kinds),
                    fraud_identifier=ident,
                    **fields,
                )
            )
        return out

    clues = make_clues("B", n_clues, 1)
    t1 = time.perf_counter()
    cpu1 = time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        result = profile.runcall(receive_clues, clues)
        pstats.Stats(profile).sort_stats(
            os.environ["BENCH_PROFILE"] if os.environ["BENCH_PROFILE"] != "1" else "cumulative"
        ).print_stats(25)
    else:
        result = receive_clues(clues)
    fast = time.perf_counter() - t1
    print(
        f"  (process CPU {time.process_time() - cpu1:.1f} s; the rest is the database and a shared machine)"
    )
    print(
        f"set-based receive_clues: {n_clues:,} clues in {fast:.1f} s "
        f"({n_clues / fast:,.0f} clues/s): matched {result.matched:,}, queued {result.queued:,}, "
        f"merged {result.merged:,}, duplicates {result.duplicates:,}"
    )
    by_method = dict(
        Clue.objects.exclude(match_method="")
        .values_list("match_method")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
    )
    print(f"  match methods: {by_method}")

    naive_clues = make_clues("N", n_naive, 2)
    t2 = time.perf_counter()
    with transaction.atomic():
        for c in naive_clues:
            resident = (
                Resident.objects.select_related("grid").filter(id_number=c.target_id_number).first()
                if c.target_id_number
                else None
            )
            if resident is None and c.target_phone:
                resident = Resident.objects.select_related("grid").filter(phone=c.target_phone).first()
            if resident is None and c.target_name:
                resident = (
                    Resident.objects.select_related("grid")
                    .filter(name=c.target_name, address=c.target_address)
                    .first()
                )
            duplicate = (
                Clue.objects.filter(
                    resident=resident,
                    fraud_identifier=c.fraud_identifier,
                    received_at__gte=c.received_at - timedelta(days=7),
                ).first()
                if resident
                else None
            )
            row = Clue(
                source=c.source,
                source_id=c.source_id,
                received_at=c.received_at,
                target_name=c.target_name,
                kind=c.kind,
                fraud_identifier=c.fraud_identifier,
                grade="yellow",
            )
            if duplicate is not None:
                row.status, row.merged_into = Clue.Status.MERGED, duplicate
            elif resident is not None:
                row.resident, row.grid, row.officer_id = resident, resident.grid, resident.grid.officer_id
                row.status, row.deadline = Clue.Status.DISPATCHED, c.received_at + timedelta(minutes=1440)
            row.save()
    naive = time.perf_counter() - t2
    naive_full = naive * n_clues / n_naive
    print(
        f"naive per-row ORM loop: {n_naive:,} clues in {naive:.1f} s ({n_naive / naive:,.0f} clues/s); "
        f"extrapolated linearly to {n_clues:,}: {naive_full:.0f} s"
    )
    print(f"ratio naive/set-based: {naive_full / fast:.1f}x; aim < 60 s: {'met' if fast < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
