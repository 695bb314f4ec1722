"""The retrieval interface the actions use, and its FAISS-backed implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from retrieval.encoder import Encoder
from retrieval.index import KBIndex, as_vector
from retrieval.search import dense_search, group_by_article

# longer queries carry no more meaning for a 256-token encoder; cut before encoding
MAX_QUERY_CHARS = 1000
# sections of one article this close to its best section join the answer
SECTION_MARGIN = 0.03
SECTIONS_PER_PASSAGE = 2


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
        hits = dense_search(self._kb.index, vector, k * 6)
        groups = group_by_article(hits, self._article_of_row, SECTION_MARGIN, SECTIONS_PER_PASSAGE)
        return [self._passage(group) for group in groups[:k]]

    def _passage(self, group: list[tuple[int, float]]) -> Passage:
        chunks = [self._kb.chunks[row] for row, _ in group]
        first = chunks[0]
        text = first.text
        for chunk in chunks[1:]:
            text += f"\n\n{chunk.heading}\n{chunk.text}"
        return Passage(
            article_id=first.article_id,
            title=first.title,
            heading=first.heading,
            text=text,
            url=first.url,
            score=round(group[0][1], 4),
        )
