"""Retrieval speed and memory: query latency (embedding + search) with the torch and the ONNX
encoder at the real KB size, FAISS flat vs HNSW (two efSearch settings) at a synthetic 100k
chunks, KB-like and unstructured, build times and
resident memory, all in one run. `make bench-retrieval` → reports/bench_retrieval.json
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from bench.stats import summary_ms
from bot.settings import get_settings
from retrieval.encoder import MiniLMEncoder
from retrieval.evaluate import QUESTIONS, load_questions, score_rankings
from retrieval.index import build_index
from retrieval.onnx_encoder import OnnxMiniLM
from retrieval.retriever import KBRetriever
from retrieval.search import build_flat_index, build_hnsw_index, dense_search
from tools.paths import REPORTS_DIR

SYNTHETIC_CHUNKS = 100_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile_ms(samples: list[float]) -> dict[str, float]:
    stats = summary_ms(samples)
    ordered = sorted(s * 1000 for s in samples)
    stats["p99_ms"] = round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 2)
    return stats


def real_kb(encoder_name: str, encoder, questions) -> dict[str, object]:  # type: ignore[no-untyped-def]
    settings = get_settings()
    started = time.perf_counter()
    kb_index = build_index(settings.kb_dir, encoder)
    build_seconds = time.perf_counter() - started
    retriever = KBRetriever(kb_index, encoder)
    for q in questions[:10]:  # warm-up
        retriever.search(q["q"])
    timings, rankings = [], []
    for q in questions:
        started = time.perf_counter()
        passages = retriever.search(q["q"], k=10)
        timings.append(time.perf_counter() - started)
        rankings.append([p.article_id for p in passages])
    return {
        "encoder": encoder_name,
        "chunks": retriever.chunk_count,
        "index_build_seconds": round(build_seconds, 2),
        "query_latency": percentile_ms(timings),
        "quality_hybrid": score_rankings(rankings, questions),
    }


def synthetic_vectors(kind: str, centres: np.ndarray) -> np.ndarray:
    """100k unit vectors: "random" (no structure, the worst case for HNSW) or "kb_like" (noisy
    copies of the real KB's chunk vectors, clustered like a large real KB would be)."""
    rng = np.random.default_rng(7)
    if kind == "random":
        vectors = rng.standard_normal((SYNTHETIC_CHUNKS, centres.shape[1])).astype(np.float32)
    else:
        picks = rng.integers(0, len(centres), SYNTHETIC_CHUNKS)
        noise = rng.standard_normal((SYNTHETIC_CHUNKS, centres.shape[1])).astype(np.float32)
        vectors = centres[picks] + 0.04 * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def timed_search(index: object, query_vectors: np.ndarray) -> tuple[list[float], list[set[int]]]:
    timings, found = [], []
    for vector in query_vectors:
        started = time.perf_counter()
        hits = dense_search(index, vector, 10)  # type: ignore[arg-type]
        timings.append(time.perf_counter() - started)
        found.append({row for row, _ in hits})
    return timings, found


def synthetic(query_vectors: np.ndarray, centres: np.ndarray) -> dict[str, object]:
    results: dict[str, object] = {"chunks": SYNTHETIC_CHUNKS, "rss_mb_before": rss_mb()}
    for kind in ("kb_like", "random"):
        vectors = synthetic_vectors(kind, centres)
        started = time.perf_counter()
        flat = build_flat_index(vectors)
        flat_build = time.perf_counter() - started
        flat_timings, exact = timed_search(flat, query_vectors)
        del flat
        started = time.perf_counter()
        hnsw = build_hnsw_index(vectors)
        hnsw_build = time.perf_counter() - started
        runs: dict[str, object] = {}
        for ef_search in (64, 256):
            hnsw.hnsw.efSearch = ef_search  # type: ignore[attr-defined]
            timings, found = timed_search(hnsw, query_vectors)
            recall = np.mean([len(f & e) / 10 for f, e in zip(found, exact, strict=True)])
            runs[f"ef_search_{ef_search}"] = {
                "search_latency": percentile_ms(timings),
                "recall@10_vs_flat": round(float(recall), 4),
            }
        results[kind] = {
            "flat": {
                "build_seconds": round(flat_build, 2),
                "search_latency": percentile_ms(flat_timings),
            },
            "hnsw": {"build_seconds": round(hnsw_build, 2), **runs},
            "rss_mb_after_build": rss_mb(),
        }
        del hnsw, vectors
    return results


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    questions, _ = load_questions(QUESTIONS)
    report: dict[str, object] = {
        "benchmark": "retrieval",
        "questions": len(questions),
        "rss_mb_start": rss_mb(),
    }
    torch_encoder = MiniLMEncoder()
    report["rss_mb_after_torch_encoder"] = rss_mb()
    onnx_encoder = OnnxMiniLM()
    report["rss_mb_after_onnx_encoder"] = rss_mb()
    print("Real KB, torch encoder...", flush=True)
    report["real_kb_torch"] = real_kb("torch", torch_encoder, questions)
    print("Real KB, ONNX encoder (1 thread)...", flush=True)
    report["real_kb_onnx"] = real_kb("onnx", onnx_encoder, questions)
    torch_p50 = report["real_kb_torch"]["query_latency"]["p50_ms"]  # type: ignore[index]
    onnx_p50 = report["real_kb_onnx"]["query_latency"]["p50_ms"]  # type: ignore[index]
    report["onnx_over_torch_p50"] = round(onnx_p50 / torch_p50, 2)
    print(f"Synthetic {SYNTHETIC_CHUNKS} chunks, flat vs HNSW...", flush=True)
    kb_index = build_index(get_settings().kb_dir, onnx_encoder).index
    chunk_vectors = kb_index.reconstruct_n(0, kb_index.ntotal)
    report["synthetic"] = synthetic(onnx_encoder.encode([q["q"] for q in questions]), chunk_vectors)
    REPORTS_DIR.mkdir(exist_ok=True)
    (REPORTS_DIR / "bench_retrieval.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
