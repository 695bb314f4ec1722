"""One real Rasa server and one real gateway per test session, on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.unit.chat_servers import FakeSlackAPI, FakeTelegramAPI
from tests.unit.local_servers import LocalHTTPServer
from tools import launcher
from tools.train import train_if_changed

AGENT_TOKEN = "integration-agent-token-0123456789"
TELEGRAM_TOKEN = "777:integration-telegram-token"
TELEGRAM_SECRET = "integration-telegram-secret-0123"
SLACK_TOKEN = "xoxb-integration"
SLACK_SIGNING_SECRET = "integration-slack-signing-secret"


@dataclass
class Stack:
    gateway_url: str
    rasa_url: str
    telegram_api: FakeTelegramAPI
    slack_api: FakeSlackAPI

    def chat(self, sender: str, message: str, **metadata: object) -> list[dict]:
        response = httpx.post(
            f"{self.gateway_url}/api/chat",
            json={"sender": sender, "message": message, "metadata": metadata},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def parse(self, text: str) -> dict:
        response = httpx.post(f"{self.rasa_url}/model/parse", json={"text": text}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work: Path = tmp_path_factory.mktemp("stack")
    model = train_if_changed()
    # the real client libraries in the gateway talk to these local stand-ins for the platforms
    telegram_api, slack_api = FakeTelegramAPI(TELEGRAM_TOKEN), FakeSlackAPI(SLACK_TOKEN)
    telegram_server = LocalHTTPServer(telegram_api.answer)
    slack_server = LocalHTTPServer(slack_api.answer)
    telegram_server.start()
    slack_server.start()
    services = launcher.start_stack(
        model,
        launcher.free_port(),
        launcher.free_port(),
        work,
        {
            "DATABASE_URL": f"sqlite:///{work / 'gateway.db'}",
            "ENVIRONMENT": "test",
            "AGENT_API_TOKEN": AGENT_TOKEN,
            "PENDING_TICKETS_FILE": str(work / "pending.jsonl"),
            # a Saturday noon in New York: replies that depend on the hours are the same every run
            "SUPPORT_CLOCK": "2026-12-05T17:00:00+00:00",
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_URL": telegram_server.url,
            "TELEGRAM_WEBHOOK_URL": "https://support.example.test/webhooks/telegram",
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "SLACK_API_URL": slack_server.url + "/api/",
        },
    )
    try:
        launcher.wait_until_ready(f"{services.gateway_url}/readyz", services.services, 300)
        yield Stack(services.gateway_url, services.rasa_url, telegram_api, slack_api)
    finally:
        services.stop()
        telegram_server.stop()
        slack_server.stop()
