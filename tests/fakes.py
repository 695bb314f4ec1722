"""Recording fakes for the gateway's collaborators."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.dialogue import DialogueUnavailable
from bot.settings import Settings
from retrieval.retriever import Passage

if TYPE_CHECKING:
    import numpy as np


@dataclass
class RecordingDialogue:
    """Answers with canned Rasa messages and records every call; `down=True` simulates an outage."""

    replies: list[dict[str, Any]] = field(
        default_factory=lambda: [{"recipient_id": "x", "text": "ok"}]
    )
    down: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append({"sender": sender, "text": text, "metadata": metadata})
        if self.down:
            raise DialogueUnavailable("Rasa unreachable: ConnectError")
        return [dict(m) for m in self.replies]

    async def status(self) -> dict[str, Any]:
        return {"ok": False, "error": "unreachable"} if self.down else {"ok": True, "model": "fake"}

    async def aclose(self) -> None:
        pass


@dataclass
class FixedRetriever:
    """Returns the given passages for every query and records the queries."""

    passages: list[Passage] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    screens: list[str | None] = field(default_factory=list)

    def search(self, query: str, k: int = 3, screen: str | None = None) -> list[Passage]:
        self.queries.append(query)
        self.screens.append(screen)
        return self.passages[:k] if query.strip() else []

    def articles_for_screen(self, screen: str, k: int = 3) -> list[Passage]:
        return self.passages[:k]


def passage(title: str, score: float, text: str = "Answer text.") -> Passage:
    return Passage(
        article_id=title.lower().replace(" ", "-"),
        title=title,
        heading=title,
        text=text,
        url=f"https://docs.trading-orchestrator.com/{title.lower().replace(' ', '-')}",
        score=score,
    )


class HashingEncoder:
    """A deterministic bag-of-words encoder: texts sharing words get similar vectors."""

    name = "test/hashing-encoder"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        import re
        import zlib

        import numpy as np

        self.calls += 1
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                vectors[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors


def settings_for(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a gateway under test: the given database, an index in `tmp_path`."""
    return Settings(
        database_url=database_url,
        environment="test",
        index_dir=tmp_path / "index",
        **overrides,
    )
