"""Retrieval over a tiny KB with a deterministic encoder; the real model is used elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.index import MANIFEST_FILE, build_index, load_or_build, save_index
from retrieval.kb import KBError
from retrieval.retriever import KBRetriever, SearchOptions
from retrieval.search import boost_items, reciprocal_rank_fusion, top_items
from tests.fakes import HashingEncoder

ARTICLE = """---
id: {id}
title: {title}
category: user-guide
audience: [end-user]
screens: {screens}
url: https://docs.trading-orchestrator.com/user/{id}
updated: 2026-11-20
---
# {title}
## Overview
{body}
## Details
{details}
"""


def write_kb(kb_dir: Path) -> Path:
    kb_dir.mkdir(parents=True, exist_ok=True)
    articles = [
        (
            "bracket-orders",
            "Bracket orders",
            "[order_management]",
            "A bracket order wraps an entry with a take profit and a stop loss.",
            "Set both legs before sending.",
        ),
        (
            "daily-loss-limit",
            "Daily loss limit",
            "[risk_settings]",
            "The daily loss limit stops trading when losses reach the limit.",
            "Change it under Settings, Risk.",
        ),
        (
            "broker-auth",
            "Broker authentication errors",
            "[broker_setup]",
            "ERR_BROKER_AUTH 401 means the broker rejected the API key.",
            "Create a new API key at the broker.",
        ),
    ]
    for article_id, title, screens, body, details in articles:
        (kb_dir / f"{article_id}.md").write_text(
            ARTICLE.format(id=article_id, title=title, screens=screens, body=body, details=details)
        )
    return kb_dir


@pytest.fixture
def retriever(tmp_path: Path) -> KBRetriever:
    encoder = HashingEncoder()
    return KBRetriever(build_index(write_kb(tmp_path / "kb"), encoder), encoder)


def test_rrf_weights_and_k() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], [1.0, 0.5], k=10)
    assert fused == pytest.approx({"a": 1 / 11, "b": 1 / 12 + 0.5 / 11, "c": 0.5 / 12})
    assert reciprocal_rank_fusion([["a"], ["b"]], [1.0, 0.0]) == pytest.approx({"a": 1 / 61})
    assert top_items(boost_items({"a": 1.0, "b": 0.9}, {"b"}, 0.2), 2) == ["b", "a"]


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_finds_the_matching_article(retriever: KBRetriever, mode: str) -> None:
    options = SearchOptions(mode=mode)  # type: ignore[arg-type]
    results = retriever.search("ERR_BROKER_AUTH 401 api key rejected", k=3, options=options)
    assert results[0].article_id == "broker-auth"
    assert results[0].url.endswith("/broker-auth")
    assert 0 < results[0].score <= 1


def test_passage_keeps_close_sections_together(retriever: KBRetriever) -> None:
    best = retriever.search("bracket order take profit stop loss legs", k=1)[0]
    assert best.title == "Bracket orders"
    assert "take profit" in best.text


@pytest.mark.parametrize("query", ["", "   ", "🙂🙂🙂", "我的订单被拒绝了", "x" * 10_000])
def test_odd_queries_give_a_clear_result_not_an_exception(
    retriever: KBRetriever, query: str
) -> None:
    results = retriever.search(query, k=3)
    assert isinstance(results, list)
    assert all(p.score < 0.5 for p in results)


def test_screen_boost_lifts_articles_for_the_current_screen(retriever: KBRetriever) -> None:
    neutral = [p.article_id for p in retriever.search("limit", k=3)]
    boosted = retriever.search(
        "limit", k=3, screen="broker_setup", options=SearchOptions(screen_boost=10.0)
    )
    assert boosted[0].article_id == "broker-auth" != neutral[0]


def test_articles_for_screen(retriever: KBRetriever) -> None:
    assert [p.article_id for p in retriever.articles_for_screen("risk_settings")] == [
        "daily-loss-limit"
    ]
    assert retriever.articles_for_screen("trading_interface") == []


def test_index_is_reused_while_it_matches_and_rebuilt_when_the_kb_changes(tmp_path: Path) -> None:
    kb_dir, index_dir = write_kb(tmp_path / "kb"), tmp_path / "index"
    encoder = HashingEncoder()
    first = load_or_build(kb_dir, index_dir, encoder)
    calls = encoder.calls
    again = load_or_build(kb_dir, index_dir, encoder)
    assert encoder.calls == calls and again.manifest == first.manifest
    (kb_dir / "daily-loss-limit.md").write_text(
        (kb_dir / "daily-loss-limit.md").read_text() + "\n## More\nNew text.\n"
    )
    rebuilt = load_or_build(kb_dir, index_dir, encoder)
    assert rebuilt.manifest.kb_hash != first.manifest.kb_hash
    assert rebuilt.manifest.chunk_count == first.manifest.chunk_count + 1
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text())
    assert manifest["kb_hash"] == rebuilt.manifest.kb_hash
    assert manifest["model"] == encoder.name and manifest["dimension"] == 64


def test_index_built_for_another_model_is_not_searched(tmp_path: Path) -> None:
    kb_dir, index_dir = write_kb(tmp_path / "kb"), tmp_path / "index"
    other = HashingEncoder()
    other.name = "some/other-model"
    save_index(build_index(kb_dir, other), index_dir)
    encoder = HashingEncoder()
    assert load_or_build(kb_dir, index_dir, encoder).manifest.model == encoder.name


def test_hnsw_index_can_be_selected(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    kb_index = build_index(write_kb(tmp_path / "kb"), encoder, "hnsw")
    assert kb_index.manifest.index_type == "hnsw"
    assert (
        KBRetriever(kb_index, encoder).search("daily loss limit", k=1)[0].article_id
        == "daily-loss-limit"
    )


def test_empty_kb_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    with pytest.raises(KBError, match="no articles"):
        build_index(tmp_path / "kb", HashingEncoder())
