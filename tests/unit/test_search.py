import numpy as np

from retrieval.search import best_per_article, build_flat_index, dense_search


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_dense_search_ranks_by_cosine_best_first() -> None:
    index = build_flat_index(np.stack([unit(1, 0), unit(0, 1), unit(1, 1)]))
    hits = dense_search(index, unit(1, 0.1), k=3)
    assert [row for row, _ in hits] == [0, 2, 1]
    assert hits[0][1] > hits[1][1] > hits[2][1]
    assert abs(hits[0][1] - float(unit(1, 0) @ unit(1, 0.1))) < 1e-6


def test_dense_search_caps_k_at_index_size_and_handles_empty() -> None:
    index = build_flat_index(np.stack([unit(1, 0)]))
    assert len(dense_search(index, unit(1, 0), k=10)) == 1
    assert dense_search(index, unit(1, 0), k=0) == []
    empty = build_flat_index(np.zeros((0, 2), dtype=np.float32))
    assert dense_search(empty, unit(1, 0), k=3) == []


def test_best_per_article_keeps_first_row_of_each_article() -> None:
    hits = [(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6)]
    articles = ["a", "a", "b", "a"]
    assert best_per_article(hits, articles) == [(0, 0.9), (2, 0.7)]
