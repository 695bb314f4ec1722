"""The retrieval interface the actions use, and its FAISS-backed implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from retrieval.encoder import Encoder
from retrieval.index import KBIndex, as_vector
from retrieval.search import best_per_article, dense_search

# longer queries carry no more meaning for a 256-token encoder; cut before encoding
MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Passage:
    article_id: str
    title: str
    heading: str
    text: str
    url: str
    score: float


class Retriever(Protocol):
    def search(self, query: str, k: int = 3) -> list[Passage]:
        """Best passages for a query, one per article, best first; [] for an empty query."""
        ...


class DenseRetriever:
    def __init__(self, kb_index: KBIndex, encoder: Encoder) -> None:
        self._kb = kb_index
        self._encoder = encoder
        self._article_of_row = [chunk.article_id for chunk in kb_index.chunks]

    @property
    def chunk_count(self) -> int:
        return len(self._kb.chunks)

    def search(self, query: str, k: int = 3) -> list[Passage]:
        query = query.strip()[:MAX_QUERY_CHARS]
        if not query:
            return []
        vector = as_vector(self._encoder.encode([query]))
        # fetch extra rows: several chunks of one article collapse into one passage
        hits = dense_search(self._kb.index, vector, k * 4)
        passages = []
        for row, score in best_per_article(hits, self._article_of_row)[:k]:
            chunk = self._kb.chunks[row]
            passages.append(
                Passage(
                    article_id=chunk.article_id,
                    title=chunk.title,
                    heading=chunk.heading,
                    text=chunk.text,
                    url=chunk.url,
                    score=round(score, 4),
                )
            )
        return passages
