"""Gateway behaviour with recording fakes; the database is real (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.dialogue import RasaClient
from bot.knowledge import KnowledgeBase
from bot.settings import Settings
from tests.fakes import FixedRetriever, RecordingDialogue, passage


@pytest.fixture
def dialogue() -> RecordingDialogue:
    return RecordingDialogue(
        replies=[
            {
                "recipient_id": "widget:u1",
                "text": "Here you go",
                "buttons": [{"title": "More", "payload": "/x"}],
            },
            {
                "recipient_id": "widget:u1",
                "custom": {"sources": [{"title": "T", "url": "https://x", "score": 0.9}]},
            },
        ]
    )


@pytest.fixture
def client(database_url: str, dialogue: RecordingDialogue, tmp_path: Path):
    settings = Settings(database_url=database_url, environment="test", index_dir=tmp_path / "index")
    knowledge = KnowledgeBase(FixedRetriever([passage("Phone hours", 0.8)]))
    app = create_app(settings, dialogue=dialogue, knowledge=knowledge)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def chat(client: TestClient, body: object) -> tuple[int, object]:
    response = client.post(
        "/api/chat", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    return response.status_code, response.json()


def test_message_is_forwarded_and_split_custom_is_rejoined(client, dialogue) -> None:
    status, body = chat(
        client, {"sender": "u1", "message": "phone hours?", "metadata": {"support_tier": "gold"}}
    )
    assert status == 200
    assert body == [
        {
            "recipient_id": "u1",
            "text": "Here you go",
            "buttons": [{"title": "More", "payload": "/x"}],
            "custom": {"sources": [{"title": "T", "url": "https://x", "score": 0.9}]},
        }
    ]
    assert dialogue.calls == [
        {
            "sender": "widget:u1",
            "text": "phone hours?",
            "metadata": {"support_tier": "gold", "channel": "widget"},
        }
    ]


def test_transcript_keeps_both_sides_in_order(client) -> None:
    chat(client, {"sender": "u1", "message": "first"})
    chat(client, {"sender": "u1", "message": "second"})
    history = client.get("/api/chat/history", params={"sender": "u1"}).json()["messages"]
    assert [(m["author"], m["text"]) for m in history] == [
        ("user", "first"),
        ("bot", "Here you go"),
        ("user", "second"),
        ("bot", "Here you go"),
    ]
    assert history[1]["custom"]["sources"][0]["title"] == "T"
    assert (
        client.get("/api/chat/history", params={"sender": "someone-else"}).json()["messages"] == []
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"sender": "u1", "message": ""}, 422, "empty_message"),
        ({"sender": "u1", "message": "   \n\t "}, 422, "empty_message"),
        ({"sender": "u1", "message": "x" * 50_000}, 413, "message_too_long"),
        ([{"sender": "u1", "message": "hi"}], 400, "invalid_body"),
        ({"message": "hi"}, 422, "missing_field"),
        ({"sender": "   ", "message": "hi"}, 422, "invalid_sender"),
        ({"sender": "u1", "message": 42}, 422, "invalid_field"),
        (
            {"sender": "u1", "message": "hi", "metadata": {"support_tier": "diamond"}},
            422,
            "invalid_field",
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_reaches_nobody(
    client, dialogue, body, status, error
) -> None:
    got_status, got = chat(client, body)
    assert got_status == status
    assert got["error"] == error
    assert got["detail"]
    assert dialogue.calls == []


def test_invalid_json_is_named(client, dialogue) -> None:
    response = client.post(
        "/api/chat",
        content=b'{"sender": "u1", "message": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_json",
        "detail": "The request body is not valid JSON.",
    }
    assert dialogue.calls == []


def test_oversized_body_is_refused_before_parsing(client, dialogue) -> None:
    response = client.post(
        "/api/chat",
        content=b"{" + b" " * 300_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


@pytest.mark.parametrize(
    "text", ["🚀🚀🔥", "Не могу войти в аккаунт", "我的订单被拒绝了", "ما هي ساعات الدعم"]
)
def test_emoji_and_non_latin_text_go_through(client, dialogue, text) -> None:
    status, body = chat(client, {"sender": "u1", "message": text})
    assert status == 200 and body
    assert dialogue.calls[-1]["text"] == text


def test_rasa_down_gives_503_and_the_message_is_kept(client, dialogue) -> None:
    dialogue.down = True
    status, body = chat(client, {"sender": "u1", "message": "is anyone there?"})
    assert status == 503
    assert body["error"] == "assistant_unavailable"
    assert "saved" in body["detail"]
    history = client.get("/api/chat/history", params={"sender": "u1"}).json()["messages"]
    assert history[-1]["text"] == "is anyone there?"
    assert history[-1]["delivery_error"].startswith("Rasa unreachable")


def test_readyz_names_each_dependency(client, dialogue) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert {k: v["ok"] for k, v in ready.json().items() if k != "ready"} == {
        "rasa": True,
        "kb": True,
        "database": True,
    }
    dialogue.down = True
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["rasa"] == {"ok": False, "error": "unreachable"}


def test_unknown_route_is_json_not_html(client) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_widget_is_served(client) -> None:
    assert "widget.js" in client.get("/").text
    assert "textContent" in client.get("/widget.js").text


def test_real_rasa_client_reports_an_unreachable_server(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        rasa_url="http://127.0.0.1:9",
        environment="test",
    )
    app = create_app(
        settings, dialogue=RasaClient("http://127.0.0.1:9", 2.0), knowledge=KnowledgeBase()
    )
    with TestClient(app) as test_client:
        response = test_client.post("/api/chat", json={"sender": "u", "message": "hello"})
        assert response.status_code == 503
        assert response.json()["reason"].startswith("Rasa unreachable")
        ready = test_client.get("/readyz").json()
        assert ready["ready"] is False and ready["kb"]["ok"] is False
