"""Evaluate the resident risk check on the held-out test split (never used in training).

Reports, for the whole ``check_text`` (model + phrases + links + phone shapes) and for the text
model alone:
  * recall on fraud SMS (label ``fraud``; also ``illegal``) at the 高风险 and 可疑 thresholds;
  * false-positive rate on ordinary SMS (label ``normal``), on spam and on ads;
  * ROC AUC (fraud SMS against normal SMS) and a few operating points;
  * recall per source category; throughput (checks per second);
  * with ``--show-misses N``: every held-out fraud SMS below 高风险, sorted into triage buckets
    (see MISS_BUCKETS), and the N ordinary SMS that come closest to a false positive;
  * with ``--token-check``: whether the identifier tokens (URL, PHONE, DIGIT…) act as shortcuts;
  * with ``--name-probe``: recall and false positives when a sender or contact name is put in
    front of every held-out fraud and normal SMS (张经理：…, as a chat title or screenshot shows
    it), and how often each source holds person names (one source replaced them with NAME).

The thresholds are the ones shipped with the model (chosen on out-of-fold scores of the
training split by scripts/train_message_model.py); nothing here is tuned on the test split.

Usage: .venv/bin/python scripts/evaluate_risk.py [--data ../shared/data] [--png roc.png]
       [--show-misses 20] [--token-check] [--name-probe]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_message_model import DEFAULT_DATA, SEED, Example, load_examples, split_of  # noqa: E402

from fanzha.domain.message_model import MessageModel, hashed_ngrams, load_model  # noqa: E402
from fanzha.domain.risk import FRAUD_THRESHOLD, SUSPICIOUS_THRESHOLD, RiskVerdict, check_text  # noqa: E402
from fanzha.domain.text_normalize import (  # noqa: E402
    TOKEN_NAMES,
    content_length,
    normalize_for_model,
)

# Sender and contact forms seen in front of messages in chat screenshots and pasted chats. The
# last one (a bare name run into the text) cannot be told from the text's first word.
NAME_PREFIXES: tuple[tuple[str, str], ...] = (
    ("张经理：", "surname + title, full-width colon"),
    ("李老师 ", "surname + title, space"),
    ("王女士:", "surname + title, colon"),
    ("【陈先生】", "bracketed surname + title"),
    ("刘洋\n", "bare name on its own line (chat title)"),
    ("张晓明：", "bare three-character name, colon"),
    ("刘洋 ", "bare name, space"),
    ("刘洋", "bare name run into the text"),
)
_TITLED_NAME = re.compile(
    r"[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟]"
    r"[\u4e00-\u9fff]{0,2}?(?:先生|女士|小姐|经理|老师|总|主任|警官|医生|律师|会计|阿姨)"
)

# Triage of missed fraud SMS, first match wins. These are heuristics for reading the misses,
# not a relabelling: nothing here feeds training or thresholds. The third field says what the
# bucket means for the recall figure.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_NEW_NUMBER = re.compile(r"(换|新)(手机)?号(码)?了?|启用新号|号码已更换|(更改|换了)(手机)?号")
_STOCK_TIPS = re.compile(
    r"(人|群)满即封|(推荐|推|公布|布局).{0,4}(个股|牛股|金股|涨停)|操盘(手|团队)|荐股|诊股|牛股|股友"
)
_FUND_MARKETING = re.compile(r"基金|证券|理财|认购|募集|收益凭证")
_CONTACT_LURE = re.compile(r"qq|WECHAT|加.{0,3}微信|群|老师", re.IGNORECASE)
MISS_BUCKETS: tuple[tuple[str, str, str], ...] = (
    (
        "no_chinese",
        "no Chinese words (foreign or garbled text)",
        "mislabelled or not judgeable from the text",
    ),
    (
        "bare_identifier",
        "little more than an account, number or link (<= 12 word characters)",
        "fraud only by how it was sent: the text alone cannot say",
    ),
    (
        "new_number",
        "'I have a new number' notice",
        "ambiguous: the source labels the same wording fraud and other",
    ),
    (
        "stock_tips",
        "stock-tip group invitation (荐股群)",
        "ambiguous spam; the usual entry to investment scams",
    ),
    (
        "fund_marketing",
        "fund or brokerage marketing without a contact lure",
        "an advert labelled fraud",
    ),
    ("model_miss", "other fraud wording", "genuinely fraud, missed by the signals"),
)


CEILING_ORDER = ("model_miss", "stock_tips", "new_number", "bare_identifier", "fund_marketing", "no_chinese")


def miss_bucket(text: str) -> str:
    """The triage bucket (a key of MISS_BUCKETS) of a fraud SMS the check did not flag."""
    normalized = normalize_for_model(text)
    words = content_length(normalized)
    if len(_CJK.findall(normalized)) < max(2, words // 3):
        return "no_chinese"
    if _NEW_NUMBER.search(text):
        return "new_number"
    if words <= 12 and any(token in normalized for token in TOKEN_NAMES):
        return "bare_identifier"
    if _STOCK_TIPS.search(text):
        return "stock_tips"
    if _FUND_MARKETING.search(text) and not _CONTACT_LURE.search(text):
        return "fund_marketing"
    return "model_miss"


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
    parser.add_argument(
        "--show-misses",
        "--show-errors",
        dest="show_misses",
        type=int,
        default=0,
        help="triage every fraud SMS below 高风险 and show this many near misses among normal SMS",
    )
    parser.add_argument(
        "--token-check",
        action="store_true",
        help="measure how much the identifier tokens (URL, PHONE, DIGIT…) move the model",
    )
    parser.add_argument(
        "--name-probe",
        action="store_true",
        help="measure how a sender or contact name in front of a message moves the verdicts",
    )
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

    if args.show_misses:
        show_misses(test, verdicts, groups, args.show_misses)
    if args.token_check:
        token_check(
            model, [test[i].text for i in groups["fraud SMS"]], [test[i].text for i in groups["normal SMS"]]
        )

    if args.name_probe:
        name_probe(
            [test[i].text for i in groups["fraud SMS"]],
            [test[i].text for i in groups["normal SMS"]],
            [test[i].text for i in groups["spam SMS"]],
        )
        name_sources(load_examples(args.data))

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


def show_misses(
    test: list[Example], verdicts: list[RiskVerdict], groups: dict[str, list[int]], near: int
) -> None:
    misses = [i for i in groups["fraud SMS"] if verdicts[i].score < FRAUD_THRESHOLD]
    total = len(groups["fraud SMS"])
    by_bucket: dict[str, list[int]] = defaultdict(list)
    for i in misses:
        by_bucket[miss_bucket(test[i].text)].append(i)
    print(f"\nfraud SMS below 高风险: {len(misses)} of {total} (triage is heuristic, for reading only)")
    for key, description, meaning in MISS_BUCKETS:
        members = by_bucket.get(key, [])
        suspicious = sum(verdicts[i].score >= SUSPICIOUS_THRESHOLD for i in members)
        print(
            f"  {key:16s} {len(members):3d} ({len(members) / total:5.2%} of fraud SMS; {suspicious} at 可疑)"
            f"  {description}: {meaning}"
        )
    # Ceilings: recall at 高风险 if the check also caught each bucket, most defensible first.
    caught = total - len(misses)
    for key in CEILING_ORDER:
        caught += len(by_bucket.get(key, []))
        print(f"  recall at 高风险 if also every {key} miss were caught: {caught / total:7.2%}")
    for key, description, _ in MISS_BUCKETS:
        members = sorted(by_bucket.get(key, []), key=lambda i: -verdicts[i].score)
        if members:
            print(f"\n  [{key}] {description}")
        for i in members:
            print(f"    {verdicts[i].score:.2f} {test[i].category:17s} {test[i].text[:100]}")
    ranked = sorted(groups["normal SMS"], key=lambda i: -verdicts[i].score)[:near]
    print(
        f"\nnormal SMS closest to a false positive (高风险 at {FRAUD_THRESHOLD}, 可疑 at {SUSPICIOUS_THRESHOLD}):"
    )
    for i in ranked:
        reasons = "; ".join(reason.text[:40] for reason in verdicts[i].reasons[:2]) or "model only"
        print(f"    {verdicts[i].score:.2f} [{reasons}] {test[i].text[:80]}")


def token_check(model: MessageModel, fraud: list[str], normal: list[str]) -> None:
    """Score with one identifier token at a time deleted from the normalised text.

    A model that leans on a token loses recall (or gains false positives) once it is gone; one
    that reads the wording barely moves. The token's own weight is that of its unigram bucket.
    """
    # Texts the model does not judge at run time (too few words) are left out, as in check_text.
    fraud_normalized = [normalize_for_model(text) for text in fraud if model.applies_to(text)]
    normal_normalized = [normalize_for_model(text) for text in normal if model.applies_to(text)]

    def flagged(texts: list[str], drop: str) -> float:
        hits = 0
        for normalized in texts:
            if drop:
                normalized = normalized.replace(drop, "")
            buckets = hashed_ngrams(normalized, model.n_features, model.ngram_min, model.ngram_max)
            hits += 1.0 / (1.0 + np.exp(-model.decision(buckets))) >= model.fraud_threshold
        return hits / max(len(texts), 1)

    print(
        "\nidentifier tokens (model alone at its 高风险 threshold, fraud SMS vs normal SMS it judges): "
        f"recall {flagged(fraud_normalized, ''):.2%}, false positives {flagged(normal_normalized, ''):.2%} as is"
    )
    for token, name in TOKEN_NAMES.items():
        weight = float(model.coef[zlib.crc32(token.encode("utf-8")) & (model.n_features - 1)])
        in_fraud = np.mean([token in text for text in fraud_normalized])
        in_normal = np.mean([token in text for text in normal_normalized])
        print(
            f"  {name:7s} unigram weight {weight:+.2f}; in {in_fraud:6.1%} of fraud, {in_normal:6.1%} of normal; "
            f"without it: recall {flagged(fraud_normalized, token):7.2%}, "
            f"false positives {flagged(normal_normalized, token):6.2%}"
        )


def name_probe(fraud: list[str], normal: list[str], spam: list[str]) -> None:
    """The whole check on held-out SMS with a sender or contact name put in front of each.

    "lost" counts fraud SMS at 高风险 as they are and below it with the prefix: the damage a
    chat title does. Spam (ordinary adverts) shows whether a name now pushes anything up.
    """

    def scored(texts: list[str], prefix: str) -> np.ndarray:
        return np.array([check_text(prefix + text).score for text in texts])

    base = {"fraud": scored(fraud, ""), "normal": scored(normal, ""), "spam": scored(spam, "")}
    print(
        f"\nname probe: {len(fraud)} fraud, {len(normal)} normal, {len(spam)} spam held-out SMS with a prefix "
        f"(check_text; 高风险 >= {FRAUD_THRESHOLD}, 可疑 >= {SUSPICIOUS_THRESHOLD})"
    )
    print(
        f"  {'prefix':12s} {'fraud 高风险':>11s} {'>=可疑':>7s} {'lost':>5s} {'mean Δ':>7s}  "
        f"{'normal 高风险':>12s} {'>=可疑':>7s}  {'spam 高风险':>10s} {'>=可疑':>7s}  form"
    )
    for prefix, form in (("", "as is"), *NAME_PREFIXES):
        fraud_scores = scored(fraud, prefix) if prefix else base["fraud"]
        normal_scores = scored(normal, prefix) if prefix else base["normal"]
        spam_scores = scored(spam, prefix) if prefix else base["spam"]
        lost = int(((base["fraud"] >= FRAUD_THRESHOLD) & (fraud_scores < FRAUD_THRESHOLD)).sum())
        print(
            f"  {prefix.replace(chr(10), '⏎').replace(' ', '␠') or '-':12s} {(fraud_scores >= FRAUD_THRESHOLD).mean():11.2%} "
            f"{(fraud_scores >= SUSPICIOUS_THRESHOLD).mean():7.2%} {lost:5d} "
            f"{(fraud_scores - base['fraud']).mean():+7.3f}  "
            f"{int((normal_scores >= FRAUD_THRESHOLD).sum()):12d} {int((normal_scores >= SUSPICIOUS_THRESHOLD).sum()):7d}  "
            f"{int((spam_scores >= FRAUD_THRESHOLD).sum()):10d} {int((spam_scores >= SUSPICIOUS_THRESHOLD).sum()):7d}  "
            f"{form}"
        )


def name_sources(examples: list[Example]) -> None:
    """How often each source holds person names, by the NAME placeholder and by a regex.

    The regex (a common surname, up to two characters, a title) is independent of the
    normaliser's name rules, so it also counts what they were meant to find.
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for ex in examples:
        key = f"{ex.kind}:{ex.label}"
        counts[key][0] += 1
        counts[key][1] += "NAME" in ex.text
        counts[key][2] += bool(_TITLED_NAME.search(ex.text))
    print("\nperson names per source (all splits): texts with the NAME placeholder / with surname + title")
    for key in sorted(counts):
        total, placeholder, titled = counts[key]
        print(
            f"  {key:18s} n={total:5d}  NAME {placeholder:5d} ({placeholder / total:6.1%})  "
            f"surname+title {titled:5d} ({titled / total:6.1%})"
        )


if __name__ == "__main__":
    sys.exit(main())
