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
from tests.fakes import FixedRetriever, RecordingDialogue, passage, settings_for

SENDER = "3f0c9a52-7d1e-4b8a-9c61-0d2e5f4a8b77"


@pytest.fixture
def dialogue() -> RecordingDialogue:
    return RecordingDialogue(
        replies=[
            {
                "recipient_id": f"widget:{SENDER}",
                "text": "Here you go",
                "buttons": [{"title": "More", "payload": "/x"}],
            },
            {
                "recipient_id": f"widget:{SENDER}",
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
        client, {"sender": SENDER, "message": "phone hours?", "metadata": {"support_tier": "gold"}}
    )
    assert status == 200
    assert body == [
        {
            "recipient_id": SENDER,
            "text": "Here you go",
            "buttons": [{"title": "More", "payload": "/x"}],
            "custom": {"sources": [{"title": "T", "url": "https://x", "score": 0.9}]},
        }
    ]
    assert dialogue.calls == [
        {
            "sender": f"widget:{SENDER}",
            "text": "phone hours?",
            "metadata": {"support_tier": "gold", "channel": "widget"},
        }
    ]


def test_transcript_keeps_both_sides_in_order(client) -> None:
    chat(client, {"sender": SENDER, "message": "first"})
    chat(client, {"sender": SENDER, "message": "second"})
    history = client.get("/api/chat/history", params={"sender": SENDER}).json()["messages"]
    assert [(m["author"], m["text"]) for m in history] == [
        ("user", "first"),
        ("bot", "Here you go"),
        ("user", "second"),
        ("bot", "Here you go"),
    ]
    assert history[1]["custom"]["sources"][0]["title"] == "T"
    assert (
        client.get("/api/chat/history", params={"sender": "someone-else-entirely"}).json()[
            "messages"
        ]
        == []
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"sender": SENDER, "message": ""}, 422, "empty_message"),
        ({"sender": SENDER, "message": "   \n\t "}, 422, "empty_message"),
        ({"sender": SENDER, "message": "x" * 50_000}, 413, "message_too_long"),
        ([{"sender": SENDER, "message": "hi"}], 400, "invalid_body"),
        ({"message": "hi"}, 422, "missing_field"),
        ({"sender": "   ", "message": "hi"}, 422, "invalid_sender"),
        ({"sender": SENDER, "message": 42}, 422, "invalid_field"),
        (
            {"sender": SENDER, "message": "hi", "metadata": {"support_tier": "diamond"}},
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
        content=b'{"sender": SENDER, "message": ',
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
    status, body = chat(client, {"sender": SENDER, "message": text})
    assert status == 200 and body
    assert dialogue.calls[-1]["text"] == text


def test_rasa_down_gives_503_and_the_message_is_kept(client, dialogue) -> None:
    dialogue.down = True
    status, body = chat(client, {"sender": SENDER, "message": "is anyone there?"})
    assert status == 503
    assert body["error"] == "assistant_unavailable"
    assert "saved" in body["detail"]
    assert "reason" not in body
    history = client.get("/api/chat/history", params={"sender": SENDER}).json()["messages"]
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
        assert response.json()["error"] == "assistant_unavailable"
        ready = test_client.get("/readyz").json()
        assert ready["ready"] is False and ready["kb"]["ok"] is False


def test_chunked_body_over_the_limit_is_refused(client, dialogue) -> None:
    def chunks():
        yield b'{"sender": "' + SENDER.encode() + b'", "message": "hi", "metadata": {"junk": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}}'

    response = client.post(
        "/api/chat", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"
    assert dialogue.calls == []


def test_lone_surrogate_is_replaced_and_the_message_kept(client, dialogue) -> None:
    response = client.post(
        "/api/chat",
        content=b'{"sender": "' + SENDER.encode() + b'", "message": "\\ud800 hi"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert dialogue.calls[-1]["text"] == "\ufffd hi"


@pytest.mark.parametrize(
    ("typed", "forwarded"),
    [
        ("/create_ticket", "/create_ticket"),
        ('/how_to{"x": 1}', '/how_to{"x": 1}'),
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ("/nlu_fallback", "nlu_fallback"),
        ("/etc/passwd is gone", "etc/passwd is gone"),
    ],
)
def test_only_our_own_intent_payloads_pass_as_payloads(client, dialogue, typed, forwarded) -> None:
    assert chat(client, {"sender": SENDER, "message": typed})[0] == 200
    assert dialogue.calls[-1]["text"] == forwarded


def test_tier_and_screen_are_case_insensitive(client, dialogue) -> None:
    status, _ = chat(
        client,
        {
            "sender": SENDER,
            "message": "hi",
            "metadata": {"support_tier": "Gold", "current_screen": "Risk_Settings"},
        },
    )
    assert status == 200
    assert dialogue.calls[-1]["metadata"]["support_tier"] == "gold"


def test_button_title_is_shown_in_history_instead_of_the_payload(client) -> None:
    chat(
        client,
        {
            "sender": SENDER,
            "message": "/create_ticket",
            "metadata": {"button_title": "Open a support ticket"},
        },
    )
    history = client.get("/api/chat/history", params={"sender": SENDER}).json()["messages"]
    assert (
        history[0]["text"] == "/create_ticket"
        and history[0]["display_text"] == "Open a support ticket"
    )


def test_timeout_gives_504_and_keeps_the_message(client, dialogue) -> None:
    from bot.dialogue import DialogueTimeout

    async def slow(*_args, **_kwargs):
        raise DialogueTimeout("Rasa did not answer in time: ReadTimeout")

    dialogue.send = slow
    status, body = chat(client, {"sender": SENDER, "message": "hello?"})
    assert status == 504 and body["error"] == "assistant_timeout"
    history = client.get("/api/chat/history", params={"sender": SENDER}).json()["messages"]
    assert history[-1]["delivery_error"].startswith("Rasa did not answer")


def test_malformed_action_calls_get_400_not_500(client) -> None:
    for body in [
        {"next_action": "action_answer_question"},
        {"next_action": "action_answer_question", "tracker": "x", "domain": []},
    ]:
        response = client.post("/webhook", json=body)
        assert response.status_code == 400, response.text
    assert client.post("/webhook", content=b"nope").status_code == 400
    assert (
        client.post(
            "/webhook", json={"next_action": "action_nope", "tracker": {}, "domain": {}}
        ).status_code
        == 404
    )


def test_action_endpoint_token_is_enforced_when_set(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        environment="test",
        action_endpoint_token="s3cret-token",
    )
    app = create_app(settings, dialogue=RecordingDialogue(), knowledge=KnowledgeBase())
    with TestClient(app) as test_client:
        assert test_client.post("/webhook", json={}).status_code == 401
        assert test_client.post("/webhook?token=wrong", json={}).status_code == 401
        assert test_client.post("/webhook?token=s3cret-token", json={}).status_code == 200


def test_one_senders_messages_reach_the_dialogue_one_at_a_time(client, dialogue) -> None:
    import asyncio
    import threading

    active = {"now": 0, "max": 0}
    original = dialogue.send

    async def tracked(*args, **kwargs):
        active["now"] += 1
        active["max"] = max(active["max"], active["now"])
        await asyncio.sleep(0.05)
        active["now"] -= 1
        return await original(*args, **kwargs)

    dialogue.send = tracked
    threads = [
        threading.Thread(target=chat, args=(client, {"sender": SENDER, "message": f"m{i}"}))
        for i in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert active["max"] == 1
    assert len(dialogue.calls) == 5


def test_a_flood_is_slowed_down_but_every_message_is_kept(
    database_url: str, dialogue: RecordingDialogue, tmp_path: Path
) -> None:
    settings = settings_for(
        database_url,
        tmp_path,
        rate_limit_messages=2,
    )
    app = create_app(settings, dialogue=dialogue, knowledge=KnowledgeBase(FixedRetriever()))
    with TestClient(app) as client:
        statuses = [
            chat(client, {"sender": SENDER, "message": f"message {n}"})[0] for n in range(3)
        ]
        _, body = chat(client, {"sender": SENDER, "message": "one more"})
        history = client.get("/api/chat/history", params={"sender": SENDER}).json()
    assert statuses == [200, 200, 429]
    assert body["error"] == "rate_limited" and "wait about" in body["detail"]
    assert 1 <= body["retry_after_seconds"] <= 60
    assert len(dialogue.calls) == 2
    users = [m for m in history["messages"] if m["author"] == "user"]
    assert [m["text"] for m in users] == ["message 0", "message 1", "message 2", "one more"]
    assert users[2]["delivery_error"] == "rate limited"


def test_a_user_id_counts_only_with_the_platforms_signature(
    database_url: str, dialogue: RecordingDialogue, tmp_path: Path
) -> None:
    from bot.identity import user_hash_for

    settings = settings_for(
        database_url,
        tmp_path,
        user_id_secret="platform-shared-secret-0123456789",
    )
    app = create_app(settings, dialogue=dialogue, knowledge=KnowledgeBase(FixedRetriever()))
    signed = user_hash_for("u-42", "platform-shared-secret-0123456789")
    with TestClient(app) as client:
        for metadata in (
            {"user_id": "u-42"},
            {"user_id": "u-42", "user_hash": "0" * 64},
            {"user_id": "u-42", "user_hash": signed},
        ):
            assert chat(client, {"sender": SENDER, "message": "hi", "metadata": metadata})[0] == 200
    seen = [call["metadata"].get("user_id") for call in dialogue.calls]
    assert seen == [None, None, "u-42"]
    assert all("user_hash" not in call["metadata"] for call in dialogue.calls)


def test_non_finite_numbers_in_metadata_are_refused(client, dialogue) -> None:
    for raw in (b'{"x": Infinity}', b'{"x": NaN}', b'{"x": -Infinity}'):
        body = b'{"sender": "' + SENDER.encode() + b'", "message": "hi", "metadata": ' + raw + b"}"
        response = client.post(
            "/api/chat", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert "NaN or Infinity" in response.json()["detail"]
    assert dialogue.calls == []


def test_invisible_only_messages_are_empty_and_typed_text_is_kept_as_typed(
    client, dialogue
) -> None:
    for invisible in ("\u200b\u200b", "\ufeff", "\u0000", " \u2060 "):
        status, body = chat(client, {"sender": SENDER, "message": invisible})
        assert status == 422 and body["error"] == "empty_message"
    assert chat(client, {"sender": SENDER, "message": "/restart"})[0] == 200
    assert dialogue.calls[-1]["text"] == "restart"
    history = client.get("/api/chat/history", params={"sender": SENDER}).json()["messages"]
    assert [m["text"] for m in history if m["author"] == "user"] == ["/restart"]


def test_an_empty_body_or_json_sent_as_text_is_explained(client, dialogue) -> None:
    empty = client.post("/api/chat", content=b"", headers={"content-type": "application/json"})
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    as_text = client.post(
        "/api/chat",
        content=json.dumps({"sender": SENDER, "message": "hi"}),
        headers={"content-type": "text/plain"},
    )
    assert (
        as_text.status_code == 400 and "Content-Type: application/json" in as_text.json()["detail"]
    )
    assert dialogue.calls == []


def test_a_sender_with_control_characters_is_refused(client, dialogue) -> None:
    for sender in ("abc\u0000def", "line\nbreak-xxxxxxxxxx"):
        status, body = chat(client, {"sender": sender, "message": "hi"})
        assert status == 422 and body["error"] == "invalid_sender"
    assert dialogue.calls == []
