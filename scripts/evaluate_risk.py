"""Evaluate the resident risk check on the held-out test split (never used in training).

Reports, for the whole ``check_text`` (model + phrases + links + phone shapes) and for the text
model alone:
  * recall on fraud SMS (label ``fraud``; also ``illegal``) at the 高风险 and 可疑 thresholds;
  * false-positive rate on ordinary SMS (label ``normal``), on spam and on ads;
  * ROC AUC (fraud SMS against normal SMS) and a few operating points;
  * recall per source category; throughput (checks per second).

The thresholds are the ones shipped with the model (chosen on out-of-fold scores of the
training split by scripts/train_message_model.py); nothing here is tuned on the test split.

Usage: .venv/bin/python scripts/evaluate_risk.py [--data ../shared/data] [--png roc.png]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_message_model import DEFAULT_DATA, SEED, Example, load_examples, split_of  # noqa: E402

from fanzha.domain.message_model import load_model  # noqa: E402
from fanzha.domain.risk import FRAUD_THRESHOLD, SUSPICIOUS_THRESHOLD, check_text  # noqa: E402


def roc_points(positive: np.ndarray, negative: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    thresholds = np.unique(np.concatenate([positive, negative]))[::-1]
    tpr = np.array([(positive >= t).mean() for t in thresholds])
    fpr = np.array([(negative >= t).mean() for t in thresholds])
    return np.concatenate([[0.0], fpr, [1.0]]), np.concatenate([[0.0], tpr, [1.0]]), thresholds


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    combined = np.concatenate([positive, negative])
    order = combined.argsort(kind="mergesort")
    ranks = np.empty(len(combined))
    sorted_values = combined[order]
    # Average ranks over ties.
    start = 0
    while start < len(sorted_values):
        end = start
        while end + 1 < len(sorted_values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    positive_ranks = ranks[: len(positive)].sum()
    return float((positive_ranks - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative)))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", default=SEED)
    parser.add_argument("--png", type=Path, default=None, help="save the ROC curve as a PNG")
    parser.add_argument("--show-errors", type=int, default=0, help="print this many misses of each kind")
    parser.add_argument(
        "--model", type=Path, default=None, help="weights to evaluate instead of the shipped ones"
    )
    args = parser.parse_args()

    if args.model is not None:
        import fanzha.domain.message_model as message_model

        message_model.MODEL_PATH = args.model
        load_model.cache_clear()
    model = load_model()
    if model is None:
        print("no model weights; run scripts/train_message_model.py first", file=sys.stderr)
        return 1
    test: list[Example] = [ex for ex in load_examples(args.data) if split_of(ex, args.seed) == "test"]
    sms = [ex for ex in test if ex.kind == "sms"]
    print(
        f"test split: {len(test)} examples ({len(sms)} SMS, {len(test) - len(sms)} dialogues), seed {args.seed}"
    )

    started = time.perf_counter()
    verdicts = [check_text(ex.text) for ex in test]
    elapsed = time.perf_counter() - started
    chars = sum(len(ex.text) for ex in test)
    sms_time = time.perf_counter()
    for ex in sms:
        check_text(ex.text)
    sms_elapsed = time.perf_counter() - sms_time
    print(
        f"throughput: {len(test) / elapsed:.0f} checks/s overall (mean {chars / len(test):.0f} chars), "
        f"{len(sms) / sms_elapsed:.0f} checks/s on SMS only, single process"
    )

    scores = np.array([v.score for v in verdicts])
    model_scores = np.array([v.model_score if v.model_score is not None else 0.0 for v in verdicts])
    groups = {
        "fraud SMS": [i for i, ex in enumerate(test) if ex.kind == "sms" and ex.label == "fraud"],
        "illegal SMS": [i for i, ex in enumerate(test) if ex.kind == "sms" and ex.label == "illegal"],
        # fraud + illegal + the 刷单 ads relabelled by the training script.
        "all positive SMS": [i for i, ex in enumerate(test) if ex.kind == "sms" and ex.positive],
        "normal SMS": [i for i, ex in enumerate(test) if ex.kind == "sms" and ex.label == "normal"],
        "spam SMS": [i for i, ex in enumerate(test) if ex.kind == "sms" and ex.label == "spam"],
        "ad SMS": [
            i
            for i, ex in enumerate(test)
            if ex.kind == "sms" and ex.label in ("ad", "other") and not ex.positive
        ],
        "fraud dialogues": [i for i, ex in enumerate(test) if ex.kind == "dialogue" and ex.positive],
        "normal dialogues": [i for i, ex in enumerate(test) if ex.kind == "dialogue" and not ex.positive],
    }
    print(
        f"\nshare flagged at 高风险 (score >= {FRAUD_THRESHOLD}) and at 可疑 or worse (>= {SUSPICIOUS_THRESHOLD}):"
    )
    print(
        f"  {'group':20s} {'n':>5s} {'高风险':>8s} {'>=可疑':>8s}   model alone: {'高风险':>8s} {'>=可疑':>8s}"
    )
    for name, members in groups.items():
        if not members:
            continue
        index = np.array(members)
        print(
            f"  {name:20s} {len(members):5d} {(scores[index] >= FRAUD_THRESHOLD).mean():8.2%} "
            f"{(scores[index] >= SUSPICIOUS_THRESHOLD).mean():8.2%}   "
            f"             {(model_scores[index] >= model.fraud_threshold).mean():8.2%} "
            f"{(model_scores[index] >= model.suspicious_threshold).mean():8.2%}"
        )

    positive = scores[np.array(groups["fraud SMS"])]
    negative = scores[np.array(groups["normal SMS"])]
    print(
        f"\nROC fraud SMS vs normal SMS: AUC {auc(positive, negative):.4f} (check_text), "
        f"{auc(model_scores[np.array(groups['fraud SMS'])], model_scores[np.array(groups['normal SMS'])]):.4f} "
        "(model alone)"
    )
    positive_all = scores[np.array(groups["all positive SMS"])]
    negative_all = scores[np.array(groups["normal SMS"] + groups["spam SMS"] + groups["ad SMS"])]
    print(f"ROC all positive SMS vs all other SMS: AUC {auc(positive_all, negative_all):.4f}")
    print("operating points (check_text score, fraud SMS vs normal SMS):")
    for threshold in (0.3, 0.4, SUSPICIOUS_THRESHOLD, 0.6, 0.7, FRAUD_THRESHOLD, 0.9, 0.95):
        print(
            f"  threshold {threshold:.2f}: recall {(positive >= threshold).mean():7.2%}  "
            f"false positives {(negative >= threshold).mean():7.2%} "
            f"({int((negative >= threshold).sum())}/{len(negative)})"
        )

    print("\nrecall per source category (高风险 / >=可疑):")
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(test):
        if ex.positive:
            by_category[f"{ex.kind}:{ex.category}"].append(i)
    for name in sorted(by_category):
        index = np.array(by_category[name])
        print(
            f"  {name:34s} n={len(index):4d}  {(scores[index] >= FRAUD_THRESHOLD).mean():7.2%}  "
            f"{(scores[index] >= SUSPICIOUS_THRESHOLD).mean():7.2%}"
        )

    if args.show_errors:
        print("\nmissed fraud SMS:")
        for i in [i for i in groups["fraud SMS"] if scores[i] < SUSPICIOUS_THRESHOLD][: args.show_errors]:
            print(f"  {scores[i]:.2f} {test[i].category} {test[i].text[:90]}")
        print("normal SMS flagged:")
        for i in [i for i in groups["normal SMS"] if scores[i] >= SUSPICIOUS_THRESHOLD][: args.show_errors]:
            print(f"  {scores[i]:.2f} {verdicts[i].reasons[0].text[:60]} | {test[i].text[:80]}")

    if args.png:
        try:
            import matplotlib
        except ImportError:
            print("matplotlib is not installed; no PNG written (the numbers above are the ROC)")
            return 0

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fpr, tpr, _ = roc_points(positive, negative)
        plt.figure(figsize=(5, 5))
        plt.plot(fpr, tpr, label="check_text: fraud vs normal SMS")
        plt.xscale("symlog", linthresh=1e-3)
        plt.xlabel("false-positive rate (normal SMS)")
        plt.ylabel("recall (fraud SMS)")
        plt.legend(loc="lower right")
        plt.savefig(args.png, dpi=120, bbox_inches="tight")
        print(f"saved {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
