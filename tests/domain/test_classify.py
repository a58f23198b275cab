import json
from pathlib import Path

import numpy as np
import pytest

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
