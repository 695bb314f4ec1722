"""Local servers that speak the parts of the Telegram Bot API and the Slack Web API the
gateway uses, for the real client libraries to talk to."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.unit.local_servers import HTTPReply, HTTPRequest


def _form_or_json(request: HTTPRequest) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        return dict(json.loads(request.body or b"{}"))
    fields = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    # python-telegram-bot sends nested objects as JSON strings inside the form
    for name in ("reply_markup", "allowed_updates", "blocks"):
        if name in fields:
            fields[name] = json.loads(fields[name])
    return fields


@dataclass
class FakeTelegramAPI:
    """Bot API at /bot<token>/<method>: getMe, setWebhook, deleteWebhook, sendMessage,
    answerCallbackQuery. `forbidden_chats` answer sendMessage with 403 (the user blocked us)."""

    token: str
    forbidden_chats: set[int] = field(default_factory=set)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # what getUpdates hands out (long polling), each update once
    pending_updates: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, request: HTTPRequest) -> HTTPReply:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return HTTPReply.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        method = request.path[len(prefix) :]
        params = _form_or_json(request)
        self.calls.append((method, params))
        if method == "getMe":
            return self._ok(
                {"id": 4242, "is_bot": True, "first_name": "DTO", "username": "dto_bot"}
            )
        if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return self._ok(True)
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            ready = [u for u in self.pending_updates if u["update_id"] >= offset]
            if not ready:
                time.sleep(0.05)  # a short "long poll"
            return self._ok(ready)
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            if chat_id in self.forbidden_chats:
                return HTTPReply.json(
                    403,
                    {
                        "ok": False,
                        "error_code": 403,
                        "description": "Forbidden: bot was blocked by the user",
                    },
                )
            text = params.get("text", "")
            if len(text) > 4096:
                return HTTPReply.json(
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: message is too long",
                    },
                )
            message = {
                "message_id": len(self.calls),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            }
            return self._ok(message)
        return HTTPReply.json(
            404, {"ok": False, "error_code": 404, "description": "Not Found: method"}
        )

    def sent(self) -> list[dict[str, Any]]:
        return [params for method, params in self.calls if method == "sendMessage"]

    @staticmethod
    def _ok(result: Any) -> HTTPReply:
        return HTTPReply.json(200, {"ok": True, "result": result})


@dataclass
class FakeSlackAPI:
    """Web API at /api/<method>: auth.test and chat.postMessage (checks the bot token)."""

    token: str
    posts: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, request: HTTPRequest) -> HTTPReply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return HTTPReply.json(200, {"ok": False, "error": "invalid_auth"})
        method = request.path.rsplit("/", 1)[-1]
        if method == "auth.test":
            return HTTPReply.json(
                200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
            )
        if method == "chat.postMessage":
            params = _form_or_json(request)
            if not params.get("channel"):
                return HTTPReply.json(200, {"ok": False, "error": "channel_not_found"})
            self.posts.append(params)
            return HTTPReply.json(
                200,
                {
                    "ok": True,
                    "channel": params["channel"],
                    "ts": f"1700000000.{len(self.posts):06d}",
                },
            )
        return HTTPReply.json(200, {"ok": False, "error": "unknown_method"})
