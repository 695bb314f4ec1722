"""The retrieval interface the actions use, and its FAISS + BM25 implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from retrieval.encoder import Encoder
from retrieval.index import KBIndex, as_vector
from retrieval.lexical import LexicalIndex
from retrieval.search import (
    article_ranking,
    best_score_per_article,
    boost_items,
    dense_search,
    group_by_article,
    reciprocal_rank_fusion,
    score_fusion,
    top_items,
)

SearchMode = Literal["dense", "bm25", "hybrid"]
Fusion = Literal["score", "rrf"]

# longer queries carry no more meaning for a 256-token encoder; cut before encoding
MAX_QUERY_CHARS = 1000
# sections of one article this close to its best section join the answer
SECTION_MARGIN = 0.03
SECTIONS_PER_PASSAGE = 2
# how many chunks each ranking contributes before fusion
CANDIDATES = 50


@dataclass(frozen=True)
class Passage:
    article_id: str
    title: str
    heading: str
    text: str
    url: str
    # cosine similarity of the best section to the query, whatever the ranking mode
    score: float


@dataclass(frozen=True)
class SearchOptions:
    mode: SearchMode = "hybrid"
    # weighted reciprocal rank fusion (fusion="rrf")
    lexical_weight: float = 0.25
    rrf_k: int = 10
    screen_boost: float = 0.2
    # hybrid by scores (the default, measured better than RRF in reports/kb.json)
    fusion: Fusion = "score"
    score_weight: float = 0.1


class Retriever(Protocol):
    def search(self, query: str, k: int = 3, screen: str | None = None) -> list[Passage]:
        """Best passages for a query, one per article, best first; [] for an empty query."""
        ...

    def articles_for_screen(self, screen: str, k: int = 3) -> list[Passage]:
        """Articles tagged for an in-product screen (contextual help)."""
        ...


class KBRetriever:
    def __init__(
        self, kb_index: KBIndex, encoder: Encoder, options: SearchOptions | None = None
    ) -> None:
        self._kb = kb_index
        self._encoder = encoder
        self.options = options or SearchOptions()
        self._lexical = LexicalIndex(kb_index.chunks)
        self._article_of_row = [chunk.article_id for chunk in kb_index.chunks]
        self._rows_of_article: dict[str, list[int]] = {}
        for row, article in enumerate(self._article_of_row):
            self._rows_of_article.setdefault(article, []).append(row)

    @property
    def chunk_count(self) -> int:
        return len(self._kb.chunks)

    @property
    def article_count(self) -> int:
        return len(self._rows_of_article)

    def search(
        self,
        query: str,
        k: int = 3,
        screen: str | None = None,
        options: SearchOptions | None = None,
    ) -> list[Passage]:
        options = options or self.options
        query = query.strip()[:MAX_QUERY_CHARS]
        if not query:
            return []
        vector = as_vector(self._encoder.encode([query]))
        dense_hits = dense_search(self._kb.index, vector, CANDIDATES)
        if options.mode == "hybrid" and options.fusion == "score":
            fused = score_fusion(
                best_score_per_article(dense_hits, self._article_of_row),
                best_score_per_article(self._lexical_hits(query), self._article_of_row),
                options.score_weight,
            )
        else:
            fused = self._rank_fusion(query, dense_hits, options)
        if screen and fused:
            tagged = {a for a in fused if screen in self._chunk_of(a).screens}
            if options.mode == "hybrid" and options.fusion == "score":
                # cosines can be near zero or negative: lift by a share of the best score
                lift = options.screen_boost * max(abs(v) for v in fused.values())
                fused = {a: v + lift if a in tagged else v for a, v in fused.items()}
            else:
                fused = boost_items(fused, tagged, options.screen_boost)
        return [self._passage(article, vector) for article in top_items(fused, k)]

    def _rank_fusion(
        self, query: str, dense_hits: list[tuple[int, float]], options: SearchOptions
    ) -> dict[str, float]:
        rankings, weights = [], []
        if options.mode in ("dense", "hybrid"):
            rankings.append(article_ranking(dense_hits, self._article_of_row))
            weights.append(1.0)
        if options.mode in ("bm25", "hybrid"):
            rankings.append(article_ranking(self._lexical_hits(query), self._article_of_row))
            weights.append(1.0 if options.mode == "bm25" else options.lexical_weight)
        return reciprocal_rank_fusion(rankings, weights, options.rrf_k)

    def articles_for_screen(self, screen: str, k: int = 3) -> list[Passage]:
        tagged = [a for a in self._rows_of_article if screen in self._chunk_of(a).screens]
        return [self._first_section(article) for article in tagged[:k]]

    def _lexical_hits(self, query: str) -> list[tuple[int, float]]:
        scores = self._lexical.scores(query)
        rows = np.argsort(-scores)[:CANDIDATES]
        return [(int(row), float(scores[row])) for row in rows if scores[row] > 0]

    def _chunk_of(self, article: str):  # type: ignore[no-untyped-def]
        return self._kb.chunks[self._rows_of_article[article][0]]

    def _passage(self, article: str, vector: np.ndarray) -> Passage:
        rows = self._rows_of_article[article]
        # cosine of every section of this article, so an article found only by BM25 still
        # gets an honest similarity score and its best section
        scored = sorted(
            ((row, float(self._kb.index.reconstruct(row) @ vector)) for row in rows),
            key=lambda pair: -pair[1],
        )
        group = group_by_article(
            scored, self._article_of_row, SECTION_MARGIN, SECTIONS_PER_PASSAGE
        )[0]
        chunks = [self._kb.chunks[row] for row, _ in group]
        text = chunks[0].text + "".join(f"\n\n{c.heading}\n{c.text}" for c in chunks[1:])
        first = chunks[0]
        return Passage(
            first.article_id, first.title, first.heading, text, first.url, round(group[0][1], 4)
        )

    def _first_section(self, article: str) -> Passage:
        chunk = self._chunk_of(article)
        return Passage(chunk.article_id, chunk.title, chunk.heading, chunk.text, chunk.url, 1.0)
