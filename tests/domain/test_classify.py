import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.domain.classify import (
    Classification,
    char_ngrams,
    classify,
    classify_many,
    load_model,
    normalize_text,
)
from fanzha.domain.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "cases" / "seed_cases.jsonl"
HANDWRITTEN = ROOT / "eval" / "classification" / "handwritten.jsonl"


def seed_texts() -> dict[str, str]:
    if not SEEDS.exists():
        pytest.skip("shared seed cases not present")
    return {r["id"]: r["text"] for r in map(json.loads, SEEDS.read_text(encoding="utf-8").splitlines())}


def test_seed_1_is_brushing_fraud_with_wechat_group_lure():
    result = classify(seed_texts()["seed-1"])
    assert result.category == "刷单返利类"
    assert "微信群" in result.lures
    assert any("刷单" in e.text for e in result.evidence)


def test_seed_2_is_investment_with_dating_lure():
    result = classify(seed_texts()["seed-2"])
    assert result.category == "虚假网络投资理财类"
    assert "婚恋交友" in result.lures
    assert "杀猪盘" in result.tags


def test_seed_3_is_investment_lured_on_douyin():
    result = classify(seed_texts()["seed-3"])
    assert result.category == "虚假网络投资理财类"
    assert "抖音" in result.lures


def handwritten_test_rows() -> list[dict]:
    rows = [json.loads(line) for line in HANDWRITTEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == "test"]


def test_every_category_has_a_held_out_handwritten_example_classified_right():
    rows = handwritten_test_rows()
    results = classify_many([r["text"] for r in rows])
    right_by_category: dict[str, int] = {}
    for row, result in zip(rows, results, strict=True):
        right_by_category.setdefault(row["category"], 0)
        right_by_category[row["category"]] += result.category == row["category"]
    assert set(right_by_category) == set(load_taxonomy().category_names)
    assert [c for c, n in right_by_category.items() if n == 0] == []


def test_evidence_spans_point_into_the_input():
    text = seed_texts()["seed-1"]
    result = classify(text)
    assert result.evidence
    for e in result.evidence:
        assert text[e.start : e.end] == e.text
    assert result.evidence[0].source == "model"


def test_low_confidence_needs_review():
    result = classify("你好")
    assert result.confidence < load_taxonomy().review_threshold
    assert result.needs_review
    assert result.status == "待人工确认"


def test_clear_case_does_not_need_review_and_probabilities_are_ordered():
    result = classify(seed_texts()["seed-1"])
    assert not result.needs_review
    assert result.status == ""
    assert 0.0 <= result.second_confidence <= result.confidence <= 1.0
    assert result.second != result.category


def test_empty_text_still_answers():
    result = classify("")
    assert isinstance(result, Classification)
    assert result.needs_review
    assert result.evidence == ()


def test_batch_equals_one_by_one():
    texts = list(seed_texts().values())
    assert [r.category for r in classify_many(texts)] == [classify(t).category for t in texts]
    assert classify_many([]) == []


def test_normalize_keeps_length_and_folds_digits_and_width():
    text = "转账１２９９元，ＱＱ号 abc"
    folded = normalize_text(text)
    assert len(folded) == len(text)
    assert folded == "转账0000元,qq号 abc"


def test_char_ngrams_counts():
    assert char_ngrams("刷单返", 1, 2) == ["刷", "单", "返", "刷单", "单返"]


def test_model_is_small_and_holds_no_text():
    model = load_model()
    assert model.coef.shape == (len(model.classes), model.n_features)
    path = ROOT / "fanzha" / "data" / "models" / "classifier.npz"
    assert path.stat().st_size < 10_000_000


def test_pure_python_murmurhash_matches_scikit_learn():
    from sklearn.utils import murmurhash3_32 as reference

    from fanzha.domain.classify import murmurhash3_32

    for text in ["", "a", "ab", "abc", "abcd", "刷", "刷单", "刷单返", "qq群", "0000元,", "🙂x"]:
        assert murmurhash3_32(text.encode("utf-8")) == reference(text, seed=0, positive=False)


def test_inference_scores_equal_the_training_featurizer():
    from fanzha.domain.classify import featurize

    model = load_model()
    texts = [*seed_texts().values(), "你好", "转账１２９９元  到安全账户"]
    matrix = featurize(texts, model.n_features, model.low, model.high)
    expected = np.asarray(matrix @ model.coef.T) + model.intercept
    assert np.allclose(model.scores(texts), expected, atol=1e-4)


# --- the numpy hashing equals the implementation it replaced ------------------------------------
# Frozen copy of the per-n-gram hashing and evidence that shipped before the numpy hashing (its
# hash caches left out: they never changed a result). The fast path must give the same scores,
# bit for bit, and the same evidence.


def _hash_text_before(
    text: str, n_features: int, low: int, high: int
) -> tuple[str, dict, np.ndarray, np.ndarray]:
    from collections import Counter

    from fanzha.domain.classify import bucket_of

    normalized = normalize_text(text)
    gram_count = Counter(char_ngrams(normalized, low, high))
    gram_bucket = {gram: bucket_of(gram, n_features) for gram in gram_count}
    bucket_count: dict[int, int] = {}
    for gram, count in gram_count.items():
        bucket = gram_bucket[gram]
        bucket_count[bucket] = bucket_count.get(bucket, 0) + count
    buckets = np.fromiter(bucket_count.keys(), dtype=np.int64, count=len(bucket_count))
    values = 1.0 + np.log(np.fromiter(bucket_count.values(), dtype=np.float32, count=len(bucket_count)))
    norm = float(np.sqrt(np.dot(values, values))) or 1.0
    return normalized, gram_bucket, buckets, (values / norm).astype(np.float32)


def _evidence_before(text: str, hashed: tuple, coef_row: np.ndarray) -> list[tuple[str, int, int, float]]:
    normalized, gram_bucket, buckets, values = hashed
    value_of = dict(zip(buckets.tolist(), values.tolist(), strict=True))
    grams = list(gram_bucket)
    if not grams:
        return []
    gram_buckets = np.fromiter(gram_bucket.values(), dtype=np.int64, count=len(grams))
    gram_values = np.array([value_of[b] for b in gram_buckets.tolist()], dtype=np.float32)
    strength = coef_row[gram_buckets] * gram_values
    contributions: dict[str, float] = {}
    for k in np.argsort(-strength)[:48].tolist():
        gram = grams[k]
        if strength[k] > 0 and sum(ch.isalpha() for ch in gram) >= 2:
            contributions[gram] = float(strength[k])
        if len(contributions) == 12:
            break
    per_char = [0.0] * len(text)
    covered = [False] * len(text)
    for gram in contributions:
        share = contributions[gram] / len(gram)
        start = normalized.find(gram)
        while start != -1:
            for i in range(start, start + len(gram)):
                per_char[i] += share
                covered[i] = True
            start = normalized.find(gram, start + 1)
    phrases = []
    i = 0
    while i < len(text):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j < len(text) and covered[j]:
            j += 1
        weight = round(sum(per_char[i:j]), 4)
        start, end = i, j
        while start < end and not normalized[start].isalpha():
            start += 1
        while end > start and not normalized[end - 1].isalpha():
            end -= 1
        if end - start >= 2:
            phrases.append((text[start:end], start, end, weight))
        i = j
    phrases.sort(key=lambda e: -e[3])
    return phrases[:5]


def equality_sample() -> list[str]:
    texts = [r["text"] for r in map(json.loads, HANDWRITTEN.read_text(encoding="utf-8").splitlines()) if r]
    texts += ["", "a", "ab", "你好", "转账１２９９元  到安全账户", "🙂x𝒜 ＡＢ１２ é\u00a0ß", "刷单" * 40]
    if SEEDS.exists():
        texts += list(seed_texts().values())
    news = ROOT.parent / "shared" / "data" / "news_cases" / "dev.jsonl"
    if news.exists():
        with news.open(encoding="utf-8") as handle:
            texts += [json.loads(line)["text"][:300] for _, line in zip(range(150), handle, strict=False)]
    return texts


def test_numpy_hashing_gives_the_same_scores_and_evidence_as_before():
    from fanzha.domain.classify import model_evidence

    model = load_model()
    texts = equality_sample()
    assert len(texts) > 100
    for text in texts:
        before = _hash_text_before(text, model.n_features, model.low, model.high)
        hashed = model.hash(text)
        expected = model.coef[:, before[2]] @ before[3] + model.intercept
        scores = model.scores_of(hashed)
        assert np.array_equal(scores, expected), text[:40]
        best = int(np.argmax(scores))
        # Without the boilerplate filter the phrases must be exactly the old implementation's.
        evidence = [(e.text, e.start, e.end, e.weight) for e in model_evidence(text, hashed, model, best, ())]
        assert evidence == _evidence_before(text, before, model.coef[best]), text[:40]


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60))
@settings(max_examples=300, deadline=None)
def test_numpy_hashing_equals_the_per_ngram_reference(text: str) -> None:
    from fanzha.domain.classify import hash_text, hash_text_per_gram

    fast = hash_text(text, 2**18, 1, 3)
    slow = hash_text_per_gram(text, 2**18, 1, 3)
    assert fast.normalized == slow.normalized
    for field in ("buckets", "values", "gram_starts", "gram_sizes", "gram_buckets", "gram_slots"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field
    assert [fast.gram(k) for k in range(len(fast.gram_starts))] == list(
        dict.fromkeys(char_ngrams(fast.normalized))
    )


def test_numpy_hashing_handles_every_utf8_length_and_a_small_table():
    from fanzha.domain.classify import hash_text, hash_text_per_gram

    text = "aé刷😀" * 3 + "x"  # 1-, 2-, 3- and 4-byte characters, spans of 1..12 bytes
    for n_features in (2**18, 7, 1):
        fast, slow = hash_text(text, n_features, 1, 3), hash_text_per_gram(text, n_features, 1, 3)
        assert np.array_equal(fast.buckets, slow.buckets)
        assert np.array_equal(fast.values, slow.values)


def test_evidence_leaves_out_narrative_boilerplate() -> None:
    text = (
        "2020年8月6日10时许,辖区居民惠某某刷抖音时有抖音网友找其私聊股票,后双方互加微信好友,"
        "对方给其发来连接让其下载“天隆基金APP”,其开始按照对方的制止开始炒股,转了280000余元"
    )
    phrases = [e.text for e in classify(text).evidence]
    assert phrases, "a fraud narrative must come with evidence"
    assert not any(p in ("开始", "某某通过") or p.startswith(("其", "某某")) for p in phrases), phrases
    assert any("股" in p or "基金" in p for p in phrases), phrases
