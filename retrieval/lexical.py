"""BM25 over the KB chunks (bm25s), with a small English tokenizer."""

from __future__ import annotations

import re

import bm25s
import numpy as np

from retrieval.kb import Chunk

_WORD = re.compile(r"[a-z0-9]+(?:[_'-][a-z0-9]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "there",
        "these",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "we",
        "us",
        "i'm",
        "im",
        "get",
        "got",
    ]
)


def tokenize(text: str) -> list[str]:
    return [t for t in _WORD.findall(text.lower()) if t not in STOPWORDS]


class LexicalIndex:
    def __init__(self, chunks: list[Chunk]) -> None:
        self._size = len(chunks)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(chunk.embedding_text) or ["\u2205"] for chunk in chunks]
        self._bm25.index(corpus, show_progress=False)
        self._vocabulary = set(self._bm25.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no query word is known)."""
        tokens = [t for t in tokenize(query) if t in self._vocabulary]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
