"""Search as pure functions over vectors, so they can be tested with tiny arrays."""

from __future__ import annotations

import faiss
import numpy as np


def build_flat_index(vectors: np.ndarray) -> faiss.Index:
    """Inner-product index; with L2-normalised vectors the scores are cosine similarities."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def dense_search(index: faiss.Index, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k nearest rows to one query vector, best first, as (row, score)."""
    if index.ntotal == 0 or k <= 0:
        return []
    matrix = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    scores, rows = index.search(matrix, min(k, index.ntotal))
    return [
        (int(row), float(score)) for row, score in zip(rows[0], scores[0], strict=True) if row >= 0
    ]


def best_per_article(
    hits: list[tuple[int, float]], article_of_row: list[str]
) -> list[tuple[int, float]]:
    """Keep only the best-scoring row of each article, order preserved."""
    seen: set[str] = set()
    kept = []
    for row, score in hits:
        article = article_of_row[row]
        if article not in seen:
            seen.add(article)
            kept.append((row, score))
    return kept
