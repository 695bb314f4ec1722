"""The urgency model: TF-IDF word and character n-grams, logistic regression, and a
critical-class threshold tuned on cross-validated predictions for critical recall.

Plain scikit-learn, so the Rasa component, the evaluation and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline

LEVELS = ("critical", "high", "medium", "low")
CRITICAL = "critical"


def load_examples(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels from the labelled urgency file; errors name the file and the problem."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    texts: list[str] = []
    labels: list[str] = []
    for level in LEVELS:
        examples = data.get(level) or []
        if not examples:
            raise ValueError(f"{path}: no examples for urgency level '{level}'")
        for example in examples:
            texts.append(str(example))
            labels.append(level)
    unknown = set(data) - set(LEVELS) - {"version"}
    if unknown:
        raise ValueError(f"{path}: unknown urgency levels {sorted(unknown)}")
    return texts, labels


def make_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            ),
        ]
    )
    classifier = LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000)
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass
class UrgencyModel:
    pipeline: Pipeline
    critical_threshold: float

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        probabilities = self.pipeline.predict_proba(texts)
        return [decide(row, self.classes, self.critical_threshold) for row in probabilities]


def decide(
    probabilities: np.ndarray, classes: list[str], critical_threshold: float
) -> tuple[str, float]:
    """Critical wins as soon as its probability clears the tuned threshold; else the argmax."""
    critical_index = classes.index(CRITICAL)
    if probabilities[critical_index] >= critical_threshold:
        return CRITICAL, float(probabilities[critical_index])
    best = int(np.argmax(probabilities))
    return classes[best], float(probabilities[best])


def tune_critical_threshold(
    probabilities: np.ndarray,
    labels: list[str],
    classes: list[str],
    target_recall: float,
    floor: float,
) -> float:
    """Highest threshold whose critical recall reaches the target (never below `floor`).

    Missing a critical message costs most, so recall is the goal; the highest threshold
    that reaches it keeps false alarms down.
    """
    critical_index = classes.index(CRITICAL)
    is_critical = np.array([label == CRITICAL for label in labels])
    scores = probabilities[:, critical_index]
    for threshold in np.arange(0.5, floor - 1e-9, -0.01):
        recall = float((scores[is_critical] >= threshold).mean()) if is_critical.any() else 1.0
        if recall >= target_recall:
            return round(float(threshold), 2)
    return floor


def train(
    texts: list[str], labels: list[str], target_recall: float = 0.95, floor: float = 0.15
) -> UrgencyModel:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    cv_probabilities = cross_val_predict(
        make_pipeline(), texts, labels, cv=folds, method="predict_proba"
    )
    pipeline = make_pipeline().fit(texts, labels)
    classes = [str(c) for c in pipeline.classes_]
    threshold = tune_critical_threshold(cv_probabilities, labels, classes, target_recall, floor)
    return UrgencyModel(pipeline=pipeline, critical_threshold=threshold)
