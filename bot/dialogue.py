"""Client for the Rasa dialogue core: its REST channel and its status API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import httpx


class DialogueUnavailable(Exception):
    """The dialogue core could not be reached or did not answer properly."""


class DialogueTimeout(DialogueUnavailable):
    """The dialogue core was reached but did not answer in time."""


class SenderLocks:
    """One lock per conversation: a sender's messages reach Rasa one at a time, in order,
    instead of queueing inside Rasa where a client timeout would drop them."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, sender: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(sender, asyncio.Lock())
        self._users[sender] = self._users.get(sender, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[sender] -= 1
            if not self._users[sender]:
                del self._users[sender], self._locks[sender]


class DialogueClient(Protocol):
    async def send(
        self, sender: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]: ...

    async def status(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


class RasaClient:
    def __init__(self, base_url: str, timeout_seconds: float = 30.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_seconds)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
        except httpx.TimeoutException as error:
            raise DialogueTimeout(f"Rasa did not answer in time: {type(error).__name__}") from error
        except httpx.HTTPError as error:
            raise DialogueUnavailable(f"Rasa unreachable: {type(error).__name__}") from error
        if response.status_code != 200:
            raise DialogueUnavailable(f"Rasa answered HTTP {response.status_code}")
        messages = response.json()
        if not isinstance(messages, list):
            raise DialogueUnavailable("Rasa answered with an unexpected body")
        return messages

    async def status(self) -> dict[str, Any]:
        try:
            response = await self._http.get("/status", timeout=3.0)
        except httpx.HTTPError as error:
            return {"ok": False, "error": f"unreachable ({type(error).__name__})"}
        if response.status_code != 200:
            return {"ok": False, "error": f"HTTP {response.status_code}"}
        model = response.json().get("model_file")
        if not model:
            return {"ok": False, "error": "no model loaded"}
        return {"ok": True, "model": model}

    async def aclose(self) -> None:
        await self._http.aclose()


def join_split_custom_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rejoin text and custom JSON that Rasa's REST channel splits into two messages.

    An action's `utter_message(text=..., json_message=...)` comes out of the REST channel as a
    text message followed by a custom-only message; clients want the sources on the answer.
    """
    joined: list[dict[str, Any]] = []
    for message in messages:
        only_custom = set(message) <= {"recipient_id", "custom"} and "custom" in message
        previous = joined[-1] if joined else None
        if only_custom and previous is not None and "text" in previous and "custom" not in previous:
            previous["custom"] = message["custom"]
        else:
            joined.append(dict(message))
    return joined
