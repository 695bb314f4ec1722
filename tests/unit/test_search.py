import numpy as np

from retrieval.search import build_flat_index, dense_search, group_by_article


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


def test_group_by_article_keeps_close_sections_of_each_article() -> None:
    hits = [(0, 0.70), (1, 0.68), (2, 0.66), (3, 0.60), (4, 0.50)]
    articles = ["a", "a", "b", "a", "b"]
    assert group_by_article(hits, articles, margin=0.03, per_article=2) == [
        [(0, 0.70), (1, 0.68)],
        [(2, 0.66)],
    ]
    assert group_by_article(hits, articles, margin=0.5, per_article=1) == [[(0, 0.70)], [(2, 0.66)]]


def test_score_fusion_keeps_a_clear_dense_winner_and_breaks_near_ties_lexically() -> None:
    from retrieval.search import best_score_per_article, score_fusion

    rows = ["a", "a", "b", "c"]
    dense = best_score_per_article([(0, 0.70), (1, 0.20), (2, 0.59), (3, 0.58)], rows)
    assert dense == {"a": 0.70, "b": 0.59, "c": 0.58}
    # BM25 prefers b strongly, but a's cosine lead is too large to overturn
    fused = score_fusion(dense, {"b": 9.0, "c": 1.0}, weight=0.1)
    assert max(fused, key=fused.__getitem__) == "a"
    # between the near-tied b and c, the lexical match decides
    assert fused["b"] > fused["c"]
    # an article only BM25 found starts from the lowest dense candidate
    only_lexical = score_fusion({"a": 0.5, "b": 0.3}, {"z": 4.0}, weight=0.1)
    assert only_lexical["z"] == 0.3 + 0.1
    assert score_fusion({}, {}, 0.1) == {}
    assert score_fusion({"a": 0.4}, {}, 0.1) == {"a": 0.4}
