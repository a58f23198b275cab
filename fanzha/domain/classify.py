"""Fraud-type classification of a case narrative to the Ministry's categories.

The model is a multinomial logistic regression over hashed character n-grams (1 to 3
characters, 2**18 buckets, sublinear term frequency, L2 norm). Only its coefficients ship, in
``fanzha/data/models/classifier.npz``: no vocabulary, no training text. It is loaded lazily,
once per process, on the first call; nothing is downloaded. Inference hashes every n-gram of a
text at once with a numpy MurmurHash3 identical to scikit-learn's (``hash_text``; the scalar
``murmurhash3_32`` and ``hash_text_per_gram`` are the readable references it is tested against),
so classifying never imports scikit-learn or scipy (training does; a test checks both paths give
the same scores). ``scripts/train_classifier.py``
writes the file and ``scripts/evaluate_classifier.py`` measures it.

Confidence is the softmax of the scores divided by a temperature fitted on out-of-fold
predictions, so that it behaves as a probability; below the taxonomy's ``review_threshold``
the result ``needs_review`` (shown as 待人工确认).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from fanzha.domain.data_files import data_path
from fanzha.domain.taxonomy import derive_tags, detect_tags, find_cues, load_taxonomy

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

MODEL_PATH = data_path("models/classifier.npz")

# Evidence is for a person to read: a handful of phrases, not every n-gram that helped.
MAX_MODEL_PHRASES = 5
MAX_EVIDENCE_GRAMS = 12

EvidenceSource = Literal["model", "cue"]


@dataclass(frozen=True)
class Evidence:
    """A phrase of the input that supported the category; ``text == input[start:end]``."""

    text: str
    start: int
    end: int
    source: EvidenceSource
    weight: float  # model: contribution to the winning score; cue: 0.0


@dataclass(frozen=True)
class Classification:
    category: str
    confidence: float  # calibrated probability of ``category``, 0..1
    second: str  # runner-up category
    second_confidence: float
    tags: tuple[str, ...]  # forms and lure channels, taxonomy order
    lures: tuple[str, ...]  # the subset of ``tags`` that are lure channels
    evidence: tuple[Evidence, ...]
    needs_review: bool  # confidence below the taxonomy's review_threshold
    not_fraud_probability: float = 0.0  # mass the model gives to "no fraud story here"

    @property
    def status(self) -> str:
        """待人工确认 when a person must confirm the category, else an empty string."""
        return load_taxonomy().review_label if self.needs_review else ""


def normalize_text(text: str) -> str:
    """Fold width, case and digits character by character, so offsets stay those of the input.

    Digits all become 0: amounts and dates say nothing about the fraud type, their shape does.
    """
    return text.translate(_FOLDED)


class _FoldTable(dict[int, str]):
    """Code point -> folded character, filled on first sight; ``str.translate`` reads it in C."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 100_000:  # bounded: a server sees arbitrary text for months
            self[code] = folded
        return folded


_FOLDED = _FoldTable()


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    folded = folded.lower() if len(folded.lower()) == 1 else folded
    if folded.isdigit():
        folded = "0"
    elif folded.isspace():
        folded = " "
    return folded


def char_ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    """All character n-grams of ``text`` for ``low <= n <= high`` (text already normalized)."""
    grams: list[str] = []
    length = len(text)
    for n in range(low, high + 1):
        grams += [text[i : i + n] for i in range(length - n + 1)]
    return grams


_MASK = 0xFFFFFFFF


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit, signed: the hash scikit-learn's FeatureHasher uses.

    The scalar reference for :func:`hash_text`, which computes the same hash with numpy.
    """
    c1, c2 = 0xCC9E2D51, 0x1B873593
    length = len(data)
    h = seed & _MASK
    rounded = length - length % 4
    for i in range(0, rounded, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        h ^= (k * c2) & _MASK
        h = ((h << 13) | (h >> 19)) & _MASK
        h = (h * 5 + 0xE6546B64) & _MASK
    tail = data[rounded:]
    k = 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if tail:
        k ^= tail[0]
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        h ^= (k * c2) & _MASK
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


def bucket_of(gram: str, n_features: int) -> int:
    """The hashed column of an n-gram, exactly as scikit-learn's FeatureHasher computes it."""
    h = murmurhash3_32(gram.encode("utf-8"))
    if h == -(1 << 31):  # abs() would overflow in FeatureHasher's C code; it special-cases this
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


@dataclass(frozen=True)
class HashedText:
    """One text as the model sees it.

    ``buckets``/``values``: the distinct buckets in order of first occurrence and their
    (1 + log count) / norm, float32. ``gram_starts``/``gram_sizes``/``gram_buckets``: each
    distinct n-gram of ``normalized`` (``normalized[start:start + size]``) in the order
    ``char_ngrams`` first yields it, its bucket and where that bucket sits in ``buckets``.
    """

    normalized: str
    buckets: np.ndarray  # int64
    values: np.ndarray  # float32
    gram_starts: np.ndarray  # int64
    gram_sizes: np.ndarray  # int64
    gram_buckets: np.ndarray  # int64
    gram_slots: np.ndarray  # int64, index of each gram's bucket in ``buckets``

    def gram(self, k: int) -> str:
        start = int(self.gram_starts[k])
        return self.normalized[start : start + int(self.gram_sizes[k])]


_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_TAIL_MASK = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _murmurhash3_spans(words: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3 (seed 0) of many byte spans at once, unsigned.

    ``words[o]`` is the little-endian uint32 made of bytes o..o+3 of the buffer (zero padded);
    span i is ``lengths[i]`` bytes from ``starts[i]``. Spans here are at most 12 bytes (three
    UTF-8 characters), so three block rounds cover them; a round only applies to spans that
    still have a whole block, as in the scalar loop.
    """
    h = np.zeros(len(starts), dtype=np.uint32)
    blocks = lengths >> 2
    for j in range(int(blocks.max(initial=0))):
        k = words[starts + 4 * j] * _C1
        k = _rotl(k, 15) * _C2
        mixed = _rotl(h ^ k, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = np.where(blocks > j, mixed, h)
    # A span without tail bytes gets k == 0, which leaves h as it is: no mask needed.
    k = words[starts + 4 * blocks] & _TAIL_MASK[lengths & 3]
    h ^= _rotl(k * _C1, 15) * _C2
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _first_occurrence_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group equal keys, groups numbered in order of first occurrence.

    Returns (index of each group's first occurrence, size of each group, group of each key).
    A stable sort keeps the first occurrence first within a group; this is np.unique with
    return_index/return_counts/return_inverse, reordered, without its overhead on small arrays.
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts_group = np.empty(len(keys), dtype=bool)
    starts_group[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts_group[1:])
    bounds = np.flatnonzero(starts_group)
    first = order[bounds]
    sizes = np.diff(np.append(bounds, len(keys)))
    by_first = np.argsort(first, kind="stable")
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(len(by_first))
    group = np.empty_like(order)
    group[order] = rank[np.cumsum(starts_group) - 1]
    return first[by_first], sizes[by_first], group


def hash_text(text: str, n_features: int, low: int, high: int) -> HashedText:
    """Same features as :func:`featurize` for one text, without scikit-learn or scipy.

    Vectorised: the text is encoded once and every n-gram is a byte span of that buffer, so the
    cost per n-gram is a few numpy element operations instead of a Python call.
    """
    normalized = normalize_text(text)
    if not 1 <= low <= high <= 3:
        raise ValueError("hash_text packs at most 3 characters per n-gram")
    codes = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    raw = np.frombuffer(normalized.encode("utf-8"), dtype=np.uint8)
    padded = np.zeros(len(raw) + 16, dtype=np.uint32)
    padded[: len(raw)] = raw
    words = padded[:-3] | (padded[1:-2] << 8) | (padded[2:-1] << 16) | (padded[3:] << 24)
    char_bytes = 1 + (codes >= 0x80) + (codes >= 0x800) + (codes >= 0x10000)
    offsets = np.concatenate(([0], np.cumsum(char_bytes)))
    length = len(codes)
    starts_list, sizes_list, keys_list = [], [], []
    for n in range(low, high + 1):
        count = max(length - n + 1, 0)
        starts_list.append(np.arange(count, dtype=np.int64))
        sizes_list.append(np.full(count, n, dtype=np.int64))
        # Code point + 1 in 21-bit fields: equal keys are equal n-grams, never across sizes.
        key = np.zeros(count, dtype=np.int64)
        for i in range(n):
            key = (key << 21) | (codes[i : i + count] + 1)
        keys_list.append(key)
    starts = np.concatenate(starts_list)
    sizes = np.concatenate(sizes_list)
    byte_starts = offsets[starts]
    byte_lengths = offsets[starts + sizes] - byte_starts
    signed = _murmurhash3_spans(words, byte_starts, byte_lengths).view(np.int32).astype(np.int64)
    all_buckets = np.abs(signed) % n_features
    # abs() would overflow in FeatureHasher's C code; it special-cases this one value.
    all_buckets[signed == -(1 << 31)] = (2147483647 - (n_features - 1)) % n_features

    gram_first, _, _ = _first_occurrence_groups(np.concatenate(keys_list))
    bucket_first, bucket_counts, bucket_slot = _first_occurrence_groups(all_buckets)
    buckets = all_buckets[bucket_first]
    values = 1.0 + np.log(bucket_counts.astype(np.float32))
    norm = float(np.sqrt(np.dot(values, values))) or 1.0
    return HashedText(
        normalized,
        buckets,
        (values / norm).astype(np.float32),
        starts[gram_first],
        sizes[gram_first],
        all_buckets[gram_first],
        bucket_slot[gram_first],
    )


def hash_text_per_gram(text: str, n_features: int, low: int, high: int) -> HashedText:
    """:func:`hash_text` one n-gram at a time with the scalar hash: the readable reference."""
    normalized = normalize_text(text)
    first_start: dict[str, int] = {}
    gram_count: Counter[str] = Counter()
    for n in range(low, high + 1):
        for i in range(len(normalized) - n + 1):
            gram = normalized[i : i + n]
            first_start.setdefault(gram, i)
            gram_count[gram] += 1
    gram_bucket = {gram: bucket_of(gram, n_features) for gram in gram_count}
    bucket_count: dict[int, int] = {}
    for gram, count in gram_count.items():
        bucket_count[gram_bucket[gram]] = bucket_count.get(gram_bucket[gram], 0) + count
    values = 1.0 + np.log(np.array(list(bucket_count.values()), dtype=np.float32))
    norm = float(np.sqrt(np.dot(values, values))) or 1.0
    grams = list(gram_count)
    slot_of = {bucket: slot for slot, bucket in enumerate(bucket_count)}
    return HashedText(
        normalized,
        np.array(list(bucket_count), dtype=np.int64),
        (values / norm).astype(np.float32),
        np.array([first_start[g] for g in grams], dtype=np.int64),
        np.array([len(g) for g in grams], dtype=np.int64),
        np.array([gram_bucket[g] for g in grams], dtype=np.int64),
        np.array([slot_of[gram_bucket[g]] for g in grams], dtype=np.int64),
    )


def featurize(texts: Sequence[str], n_features: int, low: int, high: int) -> csr_matrix:
    """Sparse rows of sublinear tf, L2-normalised, over hashed char n-grams of normalised texts."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.preprocessing import normalize

    vectorizer = HashingVectorizer(
        analyzer=lambda t: char_ngrams(normalize_text(t), low, high),
        n_features=n_features,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    matrix = vectorizer.transform(texts)
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    return normalize(matrix, norm="l2", copy=False)


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, n_features) float32
    intercept: np.ndarray  # (n_classes,)
    n_features: int
    low: int
    high: int
    temperature: float

    def hash(self, text: str) -> HashedText:
        return hash_text(text, self.n_features, self.low, self.high)

    def scores_of(self, hashed: HashedText) -> np.ndarray:
        return self.coef[:, hashed.buckets] @ hashed.values + self.intercept

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return np.stack([self.scores_of(self.hash(t)) for t in texts])

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.scores(texts) / self.temperature)


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def save_model(path: Path, model: LinearModel) -> None:
    """Write the coefficients as float16 in a compressed npz (no pickled objects)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        classes=np.array(model.classes),
        coef=model.coef.astype(np.float16),
        intercept=model.intercept.astype(np.float32),
        config=np.array([model.n_features, model.low, model.high], dtype=np.int64),
        temperature=np.array([model.temperature], dtype=np.float64),
    )


def read_model(path: Path) -> LinearModel:
    with np.load(path, allow_pickle=False) as data:
        n_features, low, high = (int(x) for x in data["config"])
        return LinearModel(
            classes=tuple(str(c) for c in data["classes"]),
            coef=data["coef"].astype(np.float32),
            intercept=data["intercept"].astype(np.float32),
            n_features=n_features,
            low=low,
            high=high,
            temperature=float(data["temperature"][0]),
        )


@cache
def load_model() -> LinearModel:
    """The shipped model, read once per process."""
    if not MODEL_PATH.exists():
        from fanzha.errors import UserFacingError

        raise UserFacingError(
            "分类模型文件缺失，请运行 scripts/train_classifier.py",
            f"classifier model missing at {MODEL_PATH}; run scripts/train_classifier.py",
        )
    model = read_model(MODEL_PATH)
    taxonomy = load_taxonomy()
    unknown = set(model.classes) - set(taxonomy.category_names) - {taxonomy.non_fraud_label}
    if unknown:
        raise ValueError(f"model categories not in taxonomy.json: {sorted(unknown)}")
    return model


def model_evidence(
    text: str,
    hashed: HashedText,
    model: LinearModel,
    class_index: int,
    stopwords: tuple[str, ...] | None = None,
) -> list[Evidence]:
    """Phrases made of the n-grams that pushed the winning score up the most.

    ``stopwords`` (default: the taxonomy's ``evidence_stopwords``) are narrative boilerplate that
    may not make up a phrase on its own nor stand at its edges."""
    normalized = hashed.normalized
    if not len(hashed.gram_buckets):
        return []
    strength = model.coef[class_index, hashed.gram_buckets] * hashed.values[hashed.gram_slots]
    contributions: dict[str, float] = {}
    if stopwords is None:
        stopwords = load_taxonomy().evidence_stopwords
    for k in np.argsort(-strength)[: 4 * MAX_EVIDENCE_GRAMS].tolist():
        gram = hashed.gram(k)
        # Single characters, digits, punctuation and the narrative's own boilerplate mean nothing
        # to a reader; they still count in the score.
        if strength[k] > 0 and sum(ch.isalpha() for ch in _without(gram, stopwords)) >= 2:
            contributions[gram] = float(strength[k])
        if len(contributions) == MAX_EVIDENCE_GRAMS:
            break
    top = list(contributions)
    per_char = [0.0] * len(text)
    covered = [False] * len(text)
    for gram in top:
        share = contributions[gram] / len(gram)
        start = normalized.find(gram)
        while start != -1:
            for i in range(start, start + len(gram)):
                per_char[i] += share
                covered[i] = True
            start = normalized.find(gram, start + 1)
    phrases: list[Evidence] = []
    length = len(text)
    i = 0
    while i < length:
        if not covered[i]:
            i += 1
            continue
        j = i
        while j < length and covered[j]:
            j += 1
        weight = round(sum(per_char[i:j]), 4)
        start, end = i, j
        while start < end and not normalized[start].isalpha():
            start += 1
        while end > start and not normalized[end - 1].isalpha():
            end -= 1
        start, end = _trim_stopwords(normalized, start, end, stopwords)
        if end - start >= 2:
            phrases.append(Evidence(text[start:end], start, end, "model", weight))
        i = j
    phrases.sort(key=lambda e: -e.weight)
    return phrases[:MAX_MODEL_PHRASES]


def _trim_stopwords(text: str, start: int, end: int, stopwords: tuple[str, ...]) -> tuple[int, int]:
    """Drop boilerplate words at either edge of a phrase (其下载 → 下载)."""
    trimmed = True
    while trimmed and start < end:
        trimmed = False
        for word in stopwords:
            if text.startswith(word, start, end):
                start, trimmed = start + len(word), True
            elif end - start > len(word) and text.endswith(word, start, end):
                end, trimmed = end - len(word), True
    return start, end


def _without(gram: str, stopwords: tuple[str, ...]) -> str:
    for word in stopwords:
        gram = gram.replace(word, "")
    return gram


def classify_many(texts: Sequence[str]) -> list[Classification]:
    """Classify several narratives at once (one sparse matrix product for the batch)."""
    if not texts:
        return []
    model = load_model()
    results = []
    for text in texts:
        hashed = model.hash(text)
        probabilities = softmax(model.scores_of(hashed)[np.newaxis, :] / model.temperature)[0]
        results.append(_assemble(text, hashed, probabilities, model))
    return results


def classify(text: str) -> Classification:
    """Classify one narrative (a report, a message, a dialogue) into the taxonomy's categories."""
    return classify_many([text])[0]


def _assemble(text: str, hashed: HashedText, probabilities: np.ndarray, model: LinearModel) -> Classification:
    taxonomy = load_taxonomy()
    background = [i for i, name in enumerate(model.classes) if name == taxonomy.non_fraud_label]
    not_fraud = float(probabilities[background[0]]) if background else 0.0
    # The background class is never an answer; its mass stays out of the fraud categories'
    # confidence on purpose, so a text without a fraud story falls below the review threshold.
    order = [int(i) for i in np.argsort(-probabilities) if int(i) not in background]
    best, runner_up = order[0], order[1]
    category = model.classes[best]
    found = detect_tags(text, taxonomy)
    tag_names = [tag.name for tag, _ in found]
    tag_names += derive_tags(category, tag_names, taxonomy)
    lure_names = {t.name for t in taxonomy.tags if t.kind == "lure"}
    evidence = model_evidence(text, hashed, model, best)
    covered = [(e.start, e.end) for e in evidence]
    for hit in find_cues(text, taxonomy.category(category).cues, category):
        if not any(s <= hit.start and hit.end <= e for s, e in covered):
            evidence.append(Evidence(hit.cue, hit.start, hit.end, "cue", 0.0))
            covered.append((hit.start, hit.end))
    confidence = float(probabilities[best])
    return Classification(
        category=category,
        confidence=round(confidence, 4),
        second=model.classes[runner_up],
        second_confidence=round(float(probabilities[runner_up]), 4),
        tags=tuple(tag_names),
        lures=tuple(n for n in tag_names if n in lure_names),
        evidence=tuple(evidence),
        needs_review=confidence < taxonomy.review_threshold,
        not_fraud_probability=round(not_fraud, 4),
    )
