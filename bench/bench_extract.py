"""Throughput of ``fanzha.domain.extraction.extract`` on one core, against a naive use of jionlp.

Usage: .venv/bin/python bench/bench_extract.py [--n 10000] [--naive-n 1000] [--seed 2024]

Input: ``fanzha.generator.narratives.generate_narratives(n, seed)`` (synthetic police narratives in
the seed cases' style); when the generator is missing, the annotated evaluation set with amounts,
dates and names varied. Generation is not timed.

The naive baseline does what a first attempt would: run jionlp's money and time extractors
(``jio.ner.extract_money`` / ``extract_time`` with parsing) over every narrative, plus the same
identifier scan. It is timed on ``--naive-n`` narratives (it is slow) and reported per second.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _narratives(n: int, seed: int) -> tuple[list[str], str]:
    try:
        from fanzha.generator.narratives import generate_narratives
    except ImportError:
        return _varied_annotated(n, seed), "eval/extraction/annotated.jsonl, varied"
    return generate_narratives(n, seed), "fanzha.generator.narratives.generate_narratives"


def _varied_annotated(n: int, seed: int) -> list[str]:
    import re

    rng = random.Random(seed)
    rows = (ROOT / "eval" / "extraction" / "annotated.jsonl").read_text("utf-8").splitlines()
    texts = [json.loads(r)["text"] for r in rows]
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        text = re.sub(r"\d{3,6}(?=元)", lambda m: str(rng.randint(100, 999_999)), text)
        text = re.sub(r"20\d\d年", lambda m: f"{rng.randint(2015, 2025)}年", text)
        text = text.replace("某", rng.choice("某甲乙丙丁"), 1)
        out.append(text)
    return out


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--naive-n", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    pinned = _pin_to_one_core()
    texts, source = _narratives(args.n, args.seed)
    chars = sum(len(t) for t in texts)
    print(f"input: {len(texts)} narratives from {source}, mean {chars / len(texts):.0f} characters; {pinned}")

    from fanzha.domain.amounts import parse_number
    from fanzha.domain.extraction import extract
    from fanzha.domain.identifiers import find_identifiers

    extract(texts[0])  # load data files and compile patterns outside the timing
    parse_number("一万")  # and import cn2an, which is imported at the first Chinese numeral
    start = time.perf_counter()
    warnings = 0
    for text in texts:
        warnings += len(extract(text).warnings)
    fast = len(texts) / (time.perf_counter() - start)
    print(f"fanzha extract:           {fast:8.1f} narratives/s  ({warnings} warnings)")

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp as jio
    print(f"jionlp import:            {time.perf_counter() - started:8.2f} s")
    sample = texts[: args.naive_n]
    base = time.time()
    jio.ner.extract_time(sample[0], time_base=base, with_parsing=True)
    start = time.perf_counter()
    for text in sample:
        jio.ner.extract_money(text, with_parsing=True)
        jio.ner.extract_time(text, time_base=base, with_parsing=True)
        find_identifiers(text)
    naive = len(sample) / (time.perf_counter() - start)
    print(f"naive jionlp + id scan:   {naive:8.1f} narratives/s  (on {len(sample)} narratives)")
    print(f"ratio fanzha / naive:     {fast / naive:8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
