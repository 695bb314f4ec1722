"""Search as pure functions over vectors, so they can be tested with tiny arrays."""

from __future__ import annotations

import faiss
import numpy as np


def build_flat_index(vectors: np.ndarray) -> faiss.Index:
    """Inner-product index; with L2-normalised vectors the scores are cosine similarities."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def build_hnsw_index(vectors: np.ndarray, neighbours: int = 32, ef_search: int = 64) -> faiss.Index:
    """Approximate inner-product index for large knowledge bases."""
    index = faiss.IndexHNSWFlat(vectors.shape[1], neighbours, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efSearch = ef_search
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


def article_ranking(hits: list[tuple[int, float]], article_of_row: list[str]) -> list[str]:
    """Articles in the order their best row appears in the hits."""
    seen: dict[str, None] = {}
    for row, _ in hits:
        seen.setdefault(article_of_row[row], None)
    return list(seen)


def reciprocal_rank_fusion(
    rankings: list[list[str]], weights: list[float], k: int = 60
) -> dict[str, float]:
    """Weighted RRF: each ranking adds weight / (k + rank) to the items it ranks (rank from 1)."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight <= 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def best_score_per_article(
    hits: list[tuple[int, float]], article_of_row: list[str]
) -> dict[str, float]:
    """Each article's best row score among the hits."""
    best: dict[str, float] = {}
    for row, score in hits:
        article = article_of_row[row]
        if score > best.get(article, float("-inf")):
            best[article] = score
    return best


def score_fusion(
    dense: dict[str, float], lexical: dict[str, float], weight: float
) -> dict[str, float]:
    """Cosine plus `weight` × BM25 relative to this query's best BM25 score. Unlike rank fusion
    it keeps how far apart the cosines are, so a weak lexical match cannot overturn a clear
    dense winner. An article only BM25 found gets the lowest dense candidate's cosine."""
    top = max(lexical.values(), default=0.0)
    floor = min(dense.values(), default=0.0)
    fused = {}
    for item in set(dense) | set(lexical):
        bonus = weight * lexical.get(item, 0.0) / top if top > 0 else 0.0
        fused[item] = dense.get(item, floor) + bonus
    return fused


def boost_items(scores: dict[str, float], boosted: set[str], factor: float) -> dict[str, float]:
    """Raise the scores of the boosted items by a relative factor (e.g. 0.2 = +20 %)."""
    return {
        item: score * (1 + factor) if item in boosted else score for item, score in scores.items()
    }


def top_items(scores: dict[str, float], k: int) -> list[str]:
    return [item for item, _ in sorted(scores.items(), key=lambda pair: -pair[1])[:k]]
