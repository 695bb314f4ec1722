from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.knowledge import KBSource, KnowledgeBase
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
        KBSource(tmp_path / "empty", tmp_path / "index", HashingEncoder, SearchOptions())
    ).join()
    with make_client(tmp_path, knowledge) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "no articles" in ready.json()["kb"]["error"]


def test_edited_article_is_answered_without_a_restart(tmp_path: Path) -> None:
    import time

    kb_dir = write_kb(tmp_path / "kb")
    knowledge = KnowledgeBase()
    knowledge.load_in_background(
        KBSource(kb_dir, tmp_path / "index", HashingEncoder, SearchOptions()), watch_seconds=0.05
    )
    deadline = time.monotonic() + 10
    while knowledge.retriever is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert knowledge.retriever is not None
    (kb_dir / "margin-calls.md").write_text(
        (kb_dir / "daily-loss-limit.md")
        .read_text()
        .replace("daily-loss-limit", "margin-calls")
        .replace("Daily loss limit", "Margin calls explained")
    )
    while time.monotonic() < deadline:
        results = knowledge.retriever.search("margin calls explained", k=1)
        if results and results[0].article_id == "margin-calls":
            break
        time.sleep(0.05)
    else:
        pytest.fail("the new article was not picked up")
    knowledge.stop()
