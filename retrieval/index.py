"""Builds, persists and loads the FAISS index with its chunk store and manifest."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from retrieval.encoder import Encoder
from retrieval.kb import Chunk, chunk_articles, kb_content_hash, load_articles
from retrieval.search import build_flat_index, build_hnsw_index

log = logging.getLogger(__name__)

IndexType = Literal["flat", "hnsw"]

INDEX_FILE = "index.faiss"
CHUNKS_FILE = "chunks.json"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    kb_hash: str
    chunk_count: int
    index_type: str
    built_at: str
    build_seconds: float


@dataclass
class KBIndex:
    index: faiss.Index
    chunks: list[Chunk]
    manifest: Manifest


def build_index(kb_dir: Path, encoder: Encoder, index_type: IndexType = "flat") -> KBIndex:
    started = time.perf_counter()
    chunks = chunk_articles(load_articles(kb_dir))
    vectors = encoder.encode([chunk.embedding_text for chunk in chunks])
    manifest = Manifest(
        model=encoder.name,
        dimension=int(vectors.shape[1]),
        kb_hash=kb_content_hash(kb_dir),
        chunk_count=len(chunks),
        index_type=index_type,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
    )
    index = build_hnsw_index(vectors) if index_type == "hnsw" else build_flat_index(vectors)
    return KBIndex(index, chunks, manifest)


def save_index(kb_index: KBIndex, index_dir: Path) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    faiss.write_index(kb_index.index, str(index_dir / INDEX_FILE))
    chunks = [asdict(chunk) for chunk in kb_index.chunks]
    (index_dir / CHUNKS_FILE).write_text(json.dumps(chunks), encoding="utf-8")
    # the manifest goes last: its presence says the other two files are complete
    (index_dir / MANIFEST_FILE).write_text(json.dumps(asdict(kb_index.manifest), indent=2))


def load_saved_index(index_dir: Path) -> KBIndex | None:
    try:
        manifest = Manifest(
            **json.loads((index_dir / MANIFEST_FILE).read_text())
        )  # old → TypeError
        raw_chunks = json.loads((index_dir / CHUNKS_FILE).read_text(encoding="utf-8"))
        index = faiss.read_index(str(index_dir / INDEX_FILE))
    except (OSError, ValueError, TypeError, RuntimeError):
        return None
    chunks = [Chunk(**{**c, "screens": tuple(c["screens"])}) for c in raw_chunks]
    if index.ntotal != len(chunks):
        return None
    return KBIndex(index, chunks, manifest)


def is_current(
    manifest: Manifest, kb_dir: Path, encoder: Encoder, index_type: IndexType = "flat"
) -> bool:
    return (
        manifest.model == encoder.name
        and manifest.index_type == index_type
        and manifest.dimension == encoder.dimension
        and manifest.kb_hash == kb_content_hash(kb_dir)
    )


def load_or_build(
    kb_dir: Path, index_dir: Path, encoder: Encoder, index_type: IndexType = "flat"
) -> KBIndex:
    """The saved index when it matches the model and KB; otherwise a fresh build, saved."""
    saved = load_saved_index(index_dir)
    if saved is not None and is_current(saved.manifest, kb_dir, encoder, index_type):
        return saved
    log.info("knowledge-base index missing or stale; rebuilding from %s", kb_dir)
    built = build_index(kb_dir, encoder, index_type)
    save_index(built, index_dir)
    return built


def as_vector(vectors: np.ndarray) -> np.ndarray:
    return vectors[0] if vectors.ndim == 2 else vectors
