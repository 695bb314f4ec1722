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


def group_by_article(
    hits: list[tuple[int, float]], article_of_row: list[str], margin: float, per_article: int
) -> list[list[tuple[int, float]]]:
    """Hits grouped by article, best article first; an article keeps the rows scoring within
    `margin` of its best row (at most `per_article`), because the answer a user needs often
    spans two neighbouring sections that score almost alike."""
    groups: dict[str, list[tuple[int, float]]] = {}
    for row, score in hits:
        group = groups.setdefault(article_of_row[row], [])
        if len(group) < per_article and (not group or group[0][1] - score <= margin):
            group.append((row, score))
    return list(groups.values())
