"""Retrieval quality on data/eval/kb_questions.yml: hit@1, hit@3, MRR and nDCG@10 for dense-only,
BM25-only and hybrid (several lexical weights) side by side, plus the answer threshold.

`make eval-kb` → reports/kb.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
from pathlib import Path
from typing import Any

import yaml

from bot.settings import get_settings
from retrieval.encoder import MiniLMEncoder
from retrieval.index import load_or_build
from retrieval.retriever import KBRetriever, SearchOptions

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "data" / "eval" / "kb_questions.yml"
REPORT = ROOT / "reports" / "kb.json"
LEXICAL_WEIGHTS = (0.1, 0.25, 0.5, 1.0)
SCORE_WEIGHTS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
RRF_KS = (10, 30, 60)


def load_questions(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Answerable questions (with expected article ids) and unanswerable ones."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["questions"], data.get("unanswerable", [])


def reciprocal_rank(ranked: list[str], expected: set[str]) -> float:
    return next((1 / rank for rank, item in enumerate(ranked, 1) if item in expected), 0.0)


def ndcg_at_10(ranked: list[str], expected: list[str]) -> float:
    gains = [1.0 if item in expected else 0.0 for item in ranked[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(expected), 10)))
    return dcg / ideal if ideal else 0.0


def score_rankings(rankings: list[list[str]], questions: list[dict[str, Any]]) -> dict[str, float]:
    n = len(questions)
    hits1 = hits3 = mrr = ndcg = 0.0
    for ranked, question in zip(rankings, questions, strict=True):
        expected = list(question["expected"])
        hits1 += ranked[:1] != [] and ranked[0] in expected
        hits3 += any(item in expected for item in ranked[:3])
        mrr += reciprocal_rank(ranked, set(expected))
        ndcg += ndcg_at_10(ranked, expected)
    return {
        "hit@1": round(hits1 / n, 4),
        "hit@3": round(hits3 / n, 4),
        "mrr": round(mrr / n, 4),
        "ndcg@10": round(ndcg / n, 4),
    }


def cross_validated_hybrid(
    rankings_by_mode: dict[str, list[list[str]]], questions: list[dict[str, Any]]
) -> dict[str, Any]:
    """The hybrid settings were chosen on this same question set, which flatters them. Two-fold
    check: pick the best hybrid mode (by MRR) on one half, score it on the other half."""
    order = list(range(len(questions)))
    random.Random(0).shuffle(order)
    halves = [order[0::2], order[1::2]]
    hybrid = [name for name in rankings_by_mode if name.startswith("hybrid")]
    folds: list[dict[str, Any]] = []
    for tune, test in ((halves[0], halves[1]), (halves[1], halves[0])):

        def score(name: str, rows: list[int]) -> dict[str, float]:
            ranked = [rankings_by_mode[name][i] for i in rows]
            return score_rankings(ranked, [questions[i] for i in rows])

        chosen = max(hybrid, key=lambda name: score(name, tune)["mrr"])
        folds.append({"chosen": chosen, **score(chosen, test)})
    metrics = ("hit@1", "hit@3", "mrr", "ndcg@10")
    return {
        "held_out_mean": {m: round(sum(f[m] for f in folds) / len(folds), 4) for m in metrics},
        "folds": folds,
    }


def threshold_table(
    retriever: KBRetriever, questions: list[dict[str, Any]], unanswerable: list[str]
) -> list[dict[str, float]]:
    """For candidate answer thresholds: how often a right answer is given, and how often an
    unanswerable question wrongly gets one."""
    answerable = [(retriever.search(q["q"], k=1), q["expected"]) for q in questions]
    outside = [retriever.search(q, k=1) for q in unanswerable]
    rows = []
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55):
        right = sum(
            1 for p, exp in answerable if p and p[0].score >= threshold and p[0].article_id in exp
        )
        wrong = sum(
            1
            for p, exp in answerable
            if p and p[0].score >= threshold and p[0].article_id not in exp
        )
        false_answers = sum(1 for p in outside if p and p[0].score >= threshold)
        rows.append(
            {
                "threshold": threshold,
                "answered_right": round(right / len(answerable), 4),
                "answered_wrong": round(wrong / len(answerable), 4),
                "unanswerable_answered": round(false_answers / len(outside), 4) if outside else 0.0,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = get_settings()
    questions, unanswerable = load_questions(args.questions)
    encoder = MiniLMEncoder()
    retriever = KBRetriever(load_or_build(settings.kb_dir, settings.index_dir, encoder), encoder)
    modes: dict[str, SearchOptions] = {
        "dense": SearchOptions(mode="dense"),
        "bm25": SearchOptions(mode="bm25"),
    }
    for rrf_k in RRF_KS:
        for weight in LEXICAL_WEIGHTS:
            modes[f"hybrid_rrf_k{rrf_k}_w{weight}"] = SearchOptions(
                "hybrid", weight, rrf_k, fusion="rrf"
            )
    for weight in SCORE_WEIGHTS:
        modes[f"hybrid_score_w{weight}"] = SearchOptions(
            "hybrid", fusion="score", score_weight=weight
        )
    results = {}
    rankings_by_mode = {}
    for name, options in modes.items():
        rankings_by_mode[name] = [
            [p.article_id for p in retriever.search(q["q"], k=10, options=options)]
            for q in questions
        ]
        results[name] = score_rankings(rankings_by_mode[name], questions)
        print(f"{name:>22}: {results[name]}", flush=True)
    cross_validated = cross_validated_hybrid(rankings_by_mode, questions)
    print(f"hybrid settings chosen on one half, scored on the other: {cross_validated}")
    default = settings.search_options()
    retriever.options = default
    default_name: str = default.mode
    if default.mode == "hybrid" and default.fusion == "rrf":
        default_name = f"hybrid_rrf_k{default.rrf_k}_w{default.lexical_weight}"
    elif default.mode == "hybrid":
        default_name = f"hybrid_score_w{default.score_weight}"
    report = {
        "questions": len(questions),
        "unanswerable_questions": len(unanswerable),
        "articles": retriever.article_count,
        "chunks": retriever.chunk_count,
        "modes": results,
        "default": {"name": default_name, **results.get(default_name, {})},
        "hybrid_cross_validated": cross_validated,
        "answer_threshold": {
            "current": settings.answer_min_score,
            "table": threshold_table(retriever, questions, unanswerable),
        },
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2))
    print(json.dumps(report["answer_threshold"], indent=2))
    print(f"Written to {args.report}")


if __name__ == "__main__":
    main()
