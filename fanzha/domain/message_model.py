"""The fraud-versus-normal text model: hashed character n-grams and a linear model.

The featuriser is plain Python (``zlib.crc32`` of each n-gram of the normalised text), so the
same code serves training (``scripts/train_message_model.py``) and run time without
scikit-learn, and the shipped weights hold no vocabulary and no training text: only one
coefficient per hash bucket, an intercept and the operating thresholds.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fanzha.domain.data_files import data_path
from fanzha.domain.text_normalize import TOKEN_NAMES, normalize_for_model, readable

MODEL_PATH = data_path("models/risk/message_model.npz")


def hashed_ngrams(normalized: str, n_features: int, ngram_min: int, ngram_max: int) -> dict[int, str]:
    """Map each hash bucket hit by ``normalized`` to one n-gram that hit it (for explanations).

    Presence, not counts: a template repeated twice is not twice as fraudulent. Text is
    padded with a boundary mark so that openings ("尊敬的") and endings are features too.
    """
    padded = f"\x02{normalized}\x03"
    buckets: dict[int, str] = {}
    mask = n_features - 1
    length = len(padded)
    for n in range(ngram_min, ngram_max + 1):
        for start in range(length - n + 1):
            gram = padded[start : start + n]
            bucket = zlib.crc32(gram.encode("utf-8")) & mask
            if bucket not in buckets:
                buckets[bucket] = gram
    return buckets


@dataclass(frozen=True)
class ModelEvidence:
    """One n-gram that pushed the score up, spelled for people."""

    fragment: str
    weight: float


@dataclass
class MessageModel:
    """Weights of the linear model plus the thresholds chosen on the training split."""

    coef: npt.NDArray[np.float32]
    intercept: float
    ngram_min: int
    ngram_max: int
    fraud_threshold: float
    suspicious_threshold: float
    min_content_chars: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.coef.shape[0])

    def features(self, text: str) -> dict[int, str]:
        return hashed_ngrams(normalize_for_model(text), self.n_features, self.ngram_min, self.ngram_max)

    def decision(self, buckets: dict[int, str]) -> float:
        if not buckets:
            return self.intercept
        index = np.fromiter(buckets.keys(), dtype=np.int64, count=len(buckets))
        # L2-normalised binary vector: every present bucket weighs 1/sqrt(k).
        return float(self.coef[index].sum()) / math.sqrt(len(buckets)) + self.intercept

    def score(self, text: str) -> float:
        """Probability-like score in [0, 1] that ``text`` is a fraud message."""
        return _sigmoid(self.decision(self.features(text)))

    def applies_to(self, text: str) -> bool:
        """Whether the text has enough words (not only a link or a number) for the model to judge."""
        normalized = normalize_for_model(text)
        return sum(1 for char in normalized if char not in TOKEN_NAMES) >= self.min_content_chars

    def evidence(self, text: str, limit: int = 5) -> list[ModelEvidence]:
        """The n-grams with the largest positive weights in ``text``, longest-first, no overlaps."""
        buckets = self.features(text)
        scored = sorted(
            ((float(self.coef[bucket]), gram) for bucket, gram in buckets.items() if len(gram) >= 2),
            reverse=True,
        )
        chosen: list[ModelEvidence] = []
        for weight, gram in scored:
            if weight <= 0 or len(chosen) >= limit:
                break
            bare = gram.strip("\x02\x03")
            # A fragment made only of identifier tokens (⟨PHONE⟩) explains nothing to a resident.
            if sum(1 for char in bare if char not in TOKEN_NAMES) < 2:
                continue
            shown = readable(bare)
            if any(shown in item.fragment or item.fragment in shown for item in chosen):
                continue
            chosen.append(ModelEvidence(fragment=shown, weight=weight))
        return chosen


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def save_model(model: MessageModel, path: Path = MODEL_PATH) -> None:
    """Write the weights as a compressed .npz (float16 coefficients keep the file small)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "intercept": model.intercept,
        "ngram_min": model.ngram_min,
        "ngram_max": model.ngram_max,
        "fraud_threshold": model.fraud_threshold,
        "suspicious_threshold": model.suspicious_threshold,
        "min_content_chars": model.min_content_chars,
        "meta": model.meta,
    }
    np.savez_compressed(
        path,
        coef=model.coef.astype(np.float16),
        settings=np.array(json.dumps(settings, ensure_ascii=False)),
    )


def read_model(path: Path) -> MessageModel:
    with np.load(path, allow_pickle=False) as data:
        coef = data["coef"].astype(np.float32)
        settings = json.loads(str(data["settings"]))
    return MessageModel(
        coef=coef,
        intercept=float(settings["intercept"]),
        ngram_min=int(settings["ngram_min"]),
        ngram_max=int(settings["ngram_max"]),
        fraud_threshold=float(settings["fraud_threshold"]),
        suspicious_threshold=float(settings["suspicious_threshold"]),
        min_content_chars=int(settings["min_content_chars"]),
        meta=dict(settings.get("meta", {})),
    )


@lru_cache(maxsize=1)
def load_model() -> MessageModel | None:
    """The shipped model, loaded once per process; None when the weights are missing."""
    if not MODEL_PATH.exists():
        return None
    return read_model(MODEL_PATH)
