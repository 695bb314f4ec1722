from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.knowledge import KnowledgeBase
from bot.settings import Settings
from retrieval.index import build_index
from retrieval.retriever import KBRetriever, SearchOptions
from tests.fakes import HashingEncoder, RecordingDialogue
from tests.unit.test_retriever import write_kb


def make_client(tmp_path: Path, knowledge: KnowledgeBase) -> TestClient:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", environment="test")
    return TestClient(create_app(settings, dialogue=RecordingDialogue(), knowledge=knowledge))


@pytest.fixture
def client(tmp_path: Path):
    encoder = HashingEncoder()
    retriever = KBRetriever(build_index(write_kb(tmp_path / "kb"), encoder), encoder)
    with make_client(tmp_path, KnowledgeBase(retriever)) as test_client:
        yield test_client


def test_search_returns_titles_urls_scores_and_snippets(client: TestClient) -> None:
    body = client.get("/api/kb/search", params={"q": "daily loss limit"}).json()
    first = body["results"][0]
    assert first["article_id"] == "daily-loss-limit"
    assert first["url"] == "https://docs.trading-orchestrator.com/user/daily-loss-limit"
    assert first["snippet"] and 0 < first["score"] <= 1


@pytest.mark.parametrize("q", ["", "🙂", "x" * 9_999])
def test_odd_queries_are_answered_plainly(client: TestClient, q: str) -> None:
    response = client.get("/api/kb/search", params={"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_bad_parameters_get_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/kb/search", params={"q": "x", "screen": "nonsense"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_field"
    assert client.get("/api/kb/search", params={"q": "x" * 10_001}).status_code == 422


def test_topics_for_a_screen(client: TestClient) -> None:
    body = client.get("/api/kb/topics", params={"screen": "risk_settings"}).json()
    assert [r["article_id"] for r in body["results"]] == ["daily-loss-limit"]


def test_search_before_the_kb_is_loaded_is_a_503(tmp_path: Path) -> None:
    with make_client(tmp_path, KnowledgeBase()) as client:
        response = client.get("/api/kb/search", params={"q": "hi"})
        assert response.status_code == 503 and response.json()["error"] == "kb_unavailable"


def test_empty_kb_is_reported_by_readyz(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    knowledge = KnowledgeBase()
    knowledge.load_in_background(
        tmp_path / "empty", tmp_path / "index", HashingEncoder, SearchOptions()
    ).join()
    with make_client(tmp_path, knowledge) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "no articles" in ready.json()["kb"]["error"]
