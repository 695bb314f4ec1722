"""Quality gates on the real models and data: retrieval on the KB eval set, NLU on the held-out
split written by `make eval-nlu` (which `make test` runs before pytest)."""

from __future__ import annotations

import json
import os

import pytest

from bot.settings import Settings
from retrieval.evaluate import QUESTIONS, load_questions, score_rankings
from retrieval.index import build_index
from retrieval.onnx_encoder import OnnxMiniLM
from retrieval.retriever import KBRetriever, SearchOptions
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def retriever() -> KBRetriever:
    encoder = OnnxMiniLM()
    return KBRetriever(build_index(Settings().kb_dir, encoder), encoder)


def evaluate(retriever: KBRetriever, options: SearchOptions) -> dict[str, float]:
    questions, _ = load_questions(QUESTIONS)
    rankings = [
        [p.article_id for p in retriever.search(q["q"], k=10, options=options)] for q in questions
    ]
    return score_rankings(rankings, questions)


def test_default_search_is_not_worse_than_dense_only(retriever: KBRetriever) -> None:
    settings = Settings()
    default = settings.search_options()
    dense, shipped = evaluate(retriever, SearchOptions(mode="dense")), evaluate(retriever, default)
    assert shipped["mrr"] >= dense["mrr"]
    assert shipped["hit@3"] >= 0.95


def test_nlu_held_out_figures() -> None:
    report_file = ROOT / "reports" / "nlu.json"
    if not report_file.exists():
        if os.environ.get("CI"):
            pytest.fail("reports/nlu.json is missing; `make test` runs `make eval-nlu` first")
        pytest.skip("run `make eval-nlu` first")
    report = json.loads(report_file.read_text())
    assert report["critical_recall"] >= 0.9
    assert report["intent_accuracy"] >= 0.85
