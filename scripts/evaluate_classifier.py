"""Measure the shipped fraud-type classifier (fanzha/data/models/classifier.npz).

Prints, for copying into README:
  * 5-fold cross-validated accuracy and macro-F1 on the training pool (models refitted per fold),
    and the same restricted to the news reports inside the pool;
  * on the held-out news reports (mapped, never trained on): accuracy, macro-F1, per-category
    precision / recall / F1 and the confusion matrix;
  * held-out dialogues and handwritten summaries;
  * generated narratives of seed 9001 (never a training seed) when fanzha.generator exists;
  * held-out ordinary SMS and dialogues: how many are sent to 待人工确认;
  * the three seed cases, including the dating lure expected on seed-2.

Usage: .venv/bin/python scripts/evaluate_classifier.py [--no-cv]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_classifier as tc

from fanzha.domain.classify import classify_many, load_model


def report(name: str, truth: list[str], predicted: list[str], detail: bool) -> None:
    from sklearn.metrics import classification_report, confusion_matrix

    print(f"\n=== {tc.summarize(name, truth, predicted)}")
    if not detail:
        return
    labels = sorted(set(truth) | set(predicted))
    print(classification_report(truth, predicted, labels=labels, digits=3, zero_division=0))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    short = [label[:6] for label in labels]
    print("confusion matrix (rows = truth, columns = predicted):")
    print("      " + " ".join(f"{i:>4}" for i in range(len(labels))))
    for i, row in enumerate(matrix):
        print(f"{i:>4}  " + " ".join(f"{v:>4}" for v in row) + f"   {i}={short[i]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (the slow part)")
    args = parser.parse_args(argv)

    model = load_model()
    print(f"model: {len(model.classes)} categories, temperature {model.temperature:.3f}")
    examples = tc.load_all([])
    train = [e for e in examples if not e.test]

    if not args.no_cv:
        scores, classes = tc.out_of_fold_scores(train)
        predicted = [classes[i] for i in scores.argmax(axis=1)]
        truth = [e.category for e in train]
        print(f"\n=== {tc.summarize('5-fold CV, training pool', truth, predicted)}")
        news_idx = [i for i, e in enumerate(train) if e.source == "news"]
        report(
            "5-fold CV, news part of the pool",
            [truth[i] for i in news_idx],
            [predicted[i] for i in news_idx],
            detail=False,
        )

    for source in ("news", "dialogue", "handwritten"):
        rows = [e for e in examples if e.test and e.source == source]
        results = classify_many([e.text for e in rows])
        report(
            f"held-out {source}",
            [e.category for e in rows],
            [r.category for r in results],
            detail=source in ("news", "handwritten"),
        )
        if source == "news":
            confidences = np.array([r.confidence for r in results])
            right = np.array([r.category == e.category for r, e in zip(results, rows, strict=True)])
            flagged = np.array([r.needs_review for r in results])
            print(
                f"needs_review: {flagged.sum()} of {len(rows)} flagged; accuracy of the rest "
                f"{right[~flagged].mean():.4f}; mean confidence {confidences.mean():.3f} "
                f"vs accuracy {right.mean():.4f}"
            )

    background = [e for e in examples if e.test and e.source == "background"]
    if background:
        results = classify_many([e.text for e in background])
        flagged = sum(r.needs_review for r in results)
        print(
            f"\n=== held-out ordinary SMS and dialogues (no fraud story): {len(background)}; "
            f"{flagged} ({flagged / len(background):.1%}) sent to 待人工确认, mean not_fraud_probability "
            f"{np.mean([r.not_fraud_probability for r in results]):.3f}"
        )

    generated = tc.load_generated([tc.GENERATED_EVAL_SEED], test=True)
    if generated:
        results = classify_many([e.text for e in generated])
        report(
            f"generated narratives (seed {tc.GENERATED_EVAL_SEED})",
            [e.category for e in generated],
            [r.category for r in results],
            detail=True,
        )
    else:
        print("\n=== generated narratives: fanzha.generator.county not available, skipped")

    print("\n=== seed cases")
    seeds = tc.load_seed_cases()
    for example, result in zip(seeds, classify_many([e.text for e in seeds]), strict=True):
        mark = "OK " if result.category == example.category else "BAD"
        print(
            f"{mark} {example.id}: {result.category} ({result.confidence:.3f}; second {result.second}) "
            f"expected {example.category}; tags {list(result.tags)}; "
            f"evidence {[e.text for e in result.evidence][:6]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
