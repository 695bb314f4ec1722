"""Held-out NLU evaluation: train on 80 % of the intent and urgency data with the project's own
config, parse the other 20 % with the trained model, write reports/nlu.json.

Runs in the Rasa environment: `make eval-nlu`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score
from sklearn.model_selection import train_test_split

from nlu import urgency_model

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "nlu.json"
SEED = 7
HELD_OUT = 0.2


def intent_examples() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(line[2:].strip())
                    labels.append(block["intent"])
    return texts, labels


def write_nlu_file(path: Path, texts: list[str], labels: list[str]) -> None:
    by_intent: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_intent.setdefault(label, []).append(text)
    nlu = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in examples)}
        for intent, examples in by_intent.items()
    ]
    path.write_text(
        yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False)
    )


def write_urgency_file(path: Path, texts: list[str], labels: list[str]) -> None:
    data: dict[str, Any] = {"version": "1"}
    for level in urgency_model.LEVELS:
        data[level] = [t for t, label in zip(texts, labels, strict=True) if label == level]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def write_config(path: Path, urgency_file: Path, source: Path) -> None:
    config = yaml.safe_load(source.read_text())
    for component in config["pipeline"]:
        if component["name"].endswith("UrgencyClassifier"):
            component["training_file"] = str(urgency_file)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def fallback_sweep(parses: list[dict[str, Any]], gold: list[str]) -> list[dict[str, float]]:
    """For candidate FallbackClassifier thresholds: share of messages answered and accuracy on them."""
    scored = []
    for parse, label in zip(parses, gold, strict=True):
        ranking = [c for c in parse.get("intent_ranking") or [] if c["name"] != "nlu_fallback"]
        if ranking:
            scored.append((float(ranking[0]["confidence"]), ranking[0]["name"] == label))
    rows = []
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        accepted = [correct for confidence, correct in scored if confidence >= threshold]
        rows.append(
            {
                "threshold": threshold,
                "answered": round(len(accepted) / len(scored), 4),
                "accuracy_when_answered": round(sum(accepted) / len(accepted), 4)
                if accepted
                else 0.0,
            }
        )
    return rows


def top_intent(parse: dict[str, Any]) -> str:
    """Best real intent, looking past the fallback (reported apart as the fallback rate)."""
    for candidate in parse.get("intent_ranking") or []:
        if candidate["name"] != "nlu_fallback":
            return str(candidate["name"])
    return str((parse.get("intent") or {}).get("name"))


async def parse_all(model_path: str, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    return [await agent.parse_message(text) for text in texts]


def main() -> None:
    import argparse

    import rasa.model_training

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--config", type=Path, default=ROOT / "config.yml", help="pipeline to evaluate"
    )
    parser.add_argument(
        "--report", type=Path, default=REPORT, help="where to write the JSON report"
    )
    args = parser.parse_args()

    logging.getLogger().setLevel(logging.WARNING)
    texts, labels = intent_examples()
    i_train, i_test, l_train, l_test = train_test_split(
        texts, labels, test_size=HELD_OUT, stratify=labels, random_state=SEED
    )
    u_texts, u_labels = urgency_model.load_examples(ROOT / "data" / "urgency" / "urgency.yml")
    u_train, u_test, ul_train, ul_test = train_test_split(
        u_texts, u_labels, test_size=HELD_OUT, stratify=u_labels, random_state=SEED
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "nlu").mkdir()
        write_nlu_file(work / "nlu" / "train.yml", i_train, l_train)
        write_urgency_file(work / "urgency.yml", u_train, ul_train)
        write_config(work / "config.yml", work / "urgency.yml", args.config)
        print(
            f"Training an NLU model on {len(i_train)} intent and {len(u_train)} urgency "
            f"examples; testing on {len(i_test)} + {len(u_test)} held out...",
            flush=True,
        )
        started = time.monotonic()
        model = rasa.model_training.train_nlu(
            str(work / "config.yml"),
            str(work / "nlu"),
            str(work / "models"),
            fixed_model_name="eval",
            domain=str(ROOT / "domain.yml"),
        )
        train_seconds = time.monotonic() - started
        intent_parses = asyncio.run(parse_all(str(model), i_test))
        urgency_parses = asyncio.run(parse_all(str(model), u_test))

    predicted_intents = [top_intent(p) for p in intent_parses]
    fallbacks = sum(
        1 for p in intent_parses if (p.get("intent") or {}).get("name") == "nlu_fallback"
    )
    predicted_urgency = [p["urgency"]["name"] for p in urgency_parses]
    levels = list(urgency_model.LEVELS)
    errors = Counter(
        f"{gold} -> {pred}"
        for gold, pred in zip(l_test, predicted_intents, strict=True)
        if gold != pred
    )
    report = {
        "split": {
            "held_out": HELD_OUT,
            "seed": SEED,
            "intent_test_examples": len(i_test),
            "urgency_test_examples": len(u_test),
        },
        "intent_accuracy": round(accuracy_score(l_test, predicted_intents), 4),
        "intent_macro_f1": round(f1_score(l_test, predicted_intents, average="macro"), 4),
        "fallback_rate": round(fallbacks / len(i_test), 4),
        "urgency_macro_f1": round(f1_score(ul_test, predicted_urgency, average="macro"), 4),
        "urgency_accuracy": round(accuracy_score(ul_test, predicted_urgency), 4),
        "critical_recall": round(
            recall_score(ul_test, predicted_urgency, labels=["critical"], average="macro"), 4
        ),
        "urgency_confusion": {
            "labels": levels,
            "matrix": confusion_matrix(ul_test, predicted_urgency, labels=levels).tolist(),
        },
        "fallback_threshold_sweep": fallback_sweep(intent_parses, l_test),
        "top_intent_confusions": dict(errors.most_common(10)),
        "train_seconds": round(train_seconds, 1),
    }
    report["config"] = str(args.config)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"Written to {args.report}")


if __name__ == "__main__":
    main()
