from pathlib import Path

import numpy as np
import pytest

from nlu import urgency_model
from nlu.urgency_model import decide, load_examples, tune_critical_threshold

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["critical", "high", "low", "medium"]


def test_critical_wins_when_its_probability_clears_the_threshold() -> None:
    probabilities = np.array([0.30, 0.50, 0.10, 0.10])
    assert decide(probabilities, CLASSES, critical_threshold=0.25) == ("critical", 0.30)
    assert decide(probabilities, CLASSES, critical_threshold=0.35) == ("high", 0.50)


def test_threshold_is_the_highest_reaching_target_recall() -> None:
    labels = ["critical", "critical", "critical", "critical", "low"]
    critical_scores = [0.9, 0.6, 0.45, 0.2, 0.3]
    probabilities = np.array([[s, 0, 1 - s, 0] for s in critical_scores])
    assert tune_critical_threshold(probabilities, labels, CLASSES, 0.75, floor=0.1) == 0.45
    assert tune_critical_threshold(probabilities, labels, CLASSES, 1.0, floor=0.1) == 0.2
    assert tune_critical_threshold(probabilities, labels, CLASSES, 1.0, floor=0.3) == 0.3


def test_labelled_file_meets_the_size_requirements() -> None:
    texts, labels = load_examples(ROOT / "data" / "urgency" / "urgency.yml")
    assert len(texts) >= 240
    assert labels.count("critical") >= 60
    assert set(labels) == set(urgency_model.LEVELS)
    assert len({t.lower() for t in texts}) == len(texts)


def test_load_examples_names_a_missing_level(tmp_path: Path) -> None:
    path = tmp_path / "u.yml"
    path.write_text('version: "1"\ncritical: ["a"]\nhigh: ["b"]\nmedium: ["c"]\n')
    with pytest.raises(ValueError, match="no examples for urgency level 'low'"):
        load_examples(path)


def test_trained_model_separates_clear_cases() -> None:
    texts, labels = load_examples(ROOT / "data" / "urgency" / "urgency.yml")
    model = urgency_model.train(texts, labels)
    predictions = model.predict(
        [
            "my stop loss didn't trigger and I'm losing money",
            "how do I export my trade history to csv",
        ]
    )
    assert predictions[0][0] == "critical"
    assert predictions[1][0] == "low"
    assert 0.15 <= model.critical_threshold <= 0.5
