"""Telegram through python-telegram-bot, against a local server speaking the Bot API; updates
posted to the gateway's webhook the way Telegram sends them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.knowledge import KnowledgeBase
from bot.settings import Settings
from tests.fakes import FixedRetriever, RecordingDialogue, settings_for
from tests.unit.chat_servers import FakeTelegramAPI
from tests.unit.local_servers import LocalHTTPServer

TOKEN = "123456:TEST-token"
SECRET = "telegram-webhook-secret-0123456789"
CHAT = 111
USER = {"id": CHAT, "is_bot": False, "first_name": "Ann", "language_code": "en"}
PRIVATE = {"id": CHAT, "type": "private", "first_name": "Ann"}


class Telegram:
    def __init__(self, client: TestClient, api: FakeTelegramAPI, dialogue: RecordingDialogue):
        self.client = client
        self.api = api
        self.dialogue = dialogue
        self._update_id = 1000

    def post(self, body: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return self.client.post("/webhooks/telegram", json=body, headers=headers).status_code

    def update(self, **content: Any) -> dict[str, Any]:
        self._update_id += 1
        return {"update_id": self._update_id, **content}

    def message(self, text: str | None = None, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": self._update_id,
            "date": int(time.time()),
            "chat": PRIVATE,
            "from": USER,
            **extra,
        }
        if text is not None:
            body["text"] = text
            if text.startswith("/"):
                body["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        return body

    def wait_for_sent(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.api.sent()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)  # nothing more should follow
        return self.api.sent()


def telegram_settings(database_url: str, tmp_path: Path, api_url: str, **extra: str) -> Settings:
    return settings_for(
        database_url,
        tmp_path,
        telegram_bot_token=TOKEN,
        telegram_api_url=api_url,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def telegram(database_url: str, tmp_path: Path) -> Iterator[Telegram]:
    api = FakeTelegramAPI(TOKEN)
    dialogue = RecordingDialogue(
        replies=[
            {
                "recipient_id": "x",
                "text": "Use <Orders> & check the 'stop' leg",
                "buttons": [
                    {"title": "Open a support ticket", "payload": "/create_ticket"},
                    {"title": "A long article title", "payload": "x" * 100},
                ],
            }
        ]
    )
    with LocalHTTPServer(api.answer) as server:
        settings = telegram_settings(
            database_url,
            tmp_path,
            server.url,
            telegram_webhook_url="https://support.example.test/webhooks/telegram",
            telegram_webhook_secret=SECRET,
        )
        app = create_app(settings, dialogue=dialogue, knowledge=KnowledgeBase(FixedRetriever()))
        with TestClient(app) as client:
            yield Telegram(client, api, dialogue)


def test_webhook_is_set_with_the_secret_at_start(telegram: Telegram) -> None:
    [(method, params)] = [c for c in telegram.api.calls if c[0] == "setWebhook"]
    assert params["url"] == "https://support.example.test/webhooks/telegram"
    assert params["secret_token"] == SECRET


def test_text_is_answered_escaped_with_an_inline_keyboard(telegram: Telegram) -> None:
    assert telegram.post(telegram.update(message=telegram.message("how do I set a stop"))) == 200
    [sent] = telegram.wait_for_sent(1)
    assert sent["chat_id"] == str(CHAT)
    assert sent["parse_mode"] == "HTML"
    assert sent["text"] == "Use &lt;Orders&gt; &amp; check the 'stop' leg"
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0] == {"text": "Open a support ticket", "callback_data": "/create_ticket"}
    long_key = keyboard[1][0]["callback_data"]
    assert long_key.startswith("k:") and len(long_key.encode()) <= 64
    assert telegram.dialogue.calls[0]["text"] == "how do I set a stop"
    assert telegram.dialogue.calls[0]["sender"] == f"telegram:{CHAT}"
    assert telegram.dialogue.calls[0]["metadata"]["locale"] == "en"


def test_a_button_press_sends_its_full_payload(telegram: Telegram) -> None:
    telegram.post(telegram.update(message=telegram.message("hi")))
    [first] = telegram.wait_for_sent(1)
    long_key = first["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    press = {
        "id": "cq-1",
        "from": USER,
        "chat_instance": "ci-1",
        "data": long_key,
        "message": telegram.message("Use <Orders>"),
    }
    telegram.post(telegram.update(callback_query=press))
    telegram.wait_for_sent(2)
    assert telegram.dialogue.calls[-1]["text"] == "x" * 100
    assert ("answerCallbackQuery", {"callback_query_id": "cq-1"}) in telegram.api.calls


def test_caption_is_read_and_other_media_get_a_polite_answer(telegram: Telegram) -> None:
    photo = [{"file_id": "p", "file_unique_id": "p1", "width": 10, "height": 10}]
    telegram.post(telegram.update(message=telegram.message(photo=photo, caption="chart is frozen")))
    sticker = {
        "file_id": "s",
        "file_unique_id": "s1",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    telegram.post(telegram.update(message=telegram.message(sticker=sticker)))
    telegram.post(telegram.update(message=telegram.message(photo=photo)))
    voice = {"file_id": "v", "file_unique_id": "v1", "duration": 3}
    telegram.post(telegram.update(message=telegram.message(voice=voice)))
    sent = telegram.wait_for_sent(4)
    assert [c["text"] for c in telegram.dialogue.calls] == ["chart is frozen"]
    assert sum("can only read text" in s["text"] for s in sent) == 3


def test_edits_are_not_answered_again(telegram: Telegram) -> None:
    edited = telegram.message("edited question", edit_date=int(time.time()))
    assert telegram.post(telegram.update(edited_message=edited)) == 200
    assert telegram.wait_for_sent(1, timeout=1) == []
    assert telegram.dialogue.calls == []


def test_nothing_is_sent_to_a_user_who_blocked_the_bot(telegram: Telegram) -> None:
    bot_user = {"id": 4242, "is_bot": True, "first_name": "DTO"}
    change = {
        "chat": PRIVATE,
        "from": USER,
        "date": int(time.time()),
        "old_chat_member": {"user": bot_user, "status": "member"},
        "new_chat_member": {"user": bot_user, "status": "kicked", "until_date": 0},
    }
    telegram.post(telegram.update(my_chat_member=change))
    time.sleep(0.3)
    telegram.post(telegram.update(message=telegram.message("are you there?")))
    assert telegram.wait_for_sent(1, timeout=1) == []
    assert [c["text"] for c in telegram.dialogue.calls] == ["are you there?"]  # still stored


def test_a_send_refused_because_the_user_blocked_us_stops_further_sends(
    telegram: Telegram,
) -> None:
    telegram.api.forbidden_chats.add(CHAT)
    telegram.post(telegram.update(message=telegram.message("first")))
    time.sleep(0.5)
    telegram.api.forbidden_chats.clear()
    telegram.post(telegram.update(message=telegram.message("second")))
    time.sleep(0.5)
    assert len(telegram.api.sent()) == 1  # the refused attempt; nothing tried after it
    assert [c["text"] for c in telegram.dialogue.calls] == ["first", "second"]


def test_long_answers_are_split_on_paragraphs_in_order(telegram: Telegram) -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 300 for n in range(6)]
    telegram.dialogue.replies = [{"recipient_id": "x", "text": "\n\n".join(paragraphs)}]
    telegram.post(telegram.update(message=telegram.message("tell me everything")))
    sent = telegram.wait_for_sent(2)
    assert len(sent) >= 2 and all(len(s["text"]) <= 4096 for s in sent)
    joined = "\n\n".join(s["text"] for s in sent)
    assert joined == "\n\n".join(paragraphs)
    assert all(s["text"].startswith("Paragraph") for s in sent)


def test_commands(telegram: Telegram) -> None:
    telegram.post(telegram.update(message=telegram.message("/start")))
    telegram.post(telegram.update(message=telegram.message("/ticket")))
    telegram.post(telegram.update(message=telegram.message("/help")))
    sent = telegram.wait_for_sent(3)
    assert [c["text"] for c in telegram.dialogue.calls] == ["/greet", "/create_ticket"]
    assert any("/ticket" in s["text"] and "1-800-EMERGENCY" in s["text"] for s in sent)


def test_a_redelivered_update_is_handled_once(telegram: Telegram) -> None:
    update = telegram.update(message=telegram.message("only once"))
    assert telegram.post(update) == 200
    assert telegram.post(update) == 200
    telegram.wait_for_sent(1)
    time.sleep(0.3)
    assert [c["text"] for c in telegram.dialogue.calls] == ["only once"]


def test_wrong_secret_and_bad_bodies_are_refused_clearly(telegram: Telegram) -> None:
    update = telegram.update(message=telegram.message("hello"))
    assert telegram.post(update, secret="wrong") == 401
    assert telegram.post(update, secret=None) == 401
    bad = telegram.client.post(
        "/webhooks/telegram",
        content=b"{nope",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"},
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_json"
    assert telegram.post({"message": {}}) == 400
    assert telegram.dialogue.calls == []


def test_rasa_down_gets_an_apology_with_the_emergency_line(telegram: Telegram) -> None:
    telegram.dialogue.down = True
    telegram.post(telegram.update(message=telegram.message("help")))
    [sent] = telegram.wait_for_sent(1)
    assert "temporarily unavailable" in sent["text"] and "1-800-EMERGENCY" in sent["text"]


def test_telegram_is_off_without_a_token(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, environment="test", index_dir=tmp_path / "i")
    app = create_app(
        settings, dialogue=RecordingDialogue(), knowledge=KnowledgeBase(FixedRetriever())
    )
    with TestClient(app) as client:
        response = client.post("/webhooks/telegram", json={"update_id": 1})
    assert response.status_code == 404 and response.json()["error"] == "channel_disabled"


def test_long_polling_when_no_webhook_url_is_set(database_url: str, tmp_path: Path) -> None:
    api = FakeTelegramAPI(TOKEN)
    api.pending_updates.append(
        {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": PRIVATE,
                "from": USER,
                "text": "hello from polling",
            },
        }
    )
    dialogue = RecordingDialogue()
    with LocalHTTPServer(api.answer) as server:
        settings = telegram_settings(database_url, tmp_path, server.url)
        app = create_app(settings, dialogue=dialogue, knowledge=KnowledgeBase(FixedRetriever()))
        with TestClient(app):
            deadline = time.monotonic() + 10
            while not api.sent() and time.monotonic() < deadline:
                time.sleep(0.05)
    assert [c["text"] for c in dialogue.calls] == ["hello from polling"]
    assert api.sent()[0]["text"] == "ok"
    assert not [c for c in api.calls if c[0] == "setWebhook"]
