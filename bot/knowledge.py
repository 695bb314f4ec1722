"""Holds the knowledge-base retriever, loading it in the background so the gateway starts fast."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from retrieval.encoder import Encoder
from retrieval.index import IndexType, load_or_build
from retrieval.kb import KBError
from retrieval.retriever import KBRetriever, Retriever, SearchOptions

log = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(self, retriever: Retriever | None = None) -> None:
        self._retriever = retriever
        self._error: str | None = None
        self._loading = False
        self._lock = threading.Lock()

    @property
    def retriever(self) -> Retriever | None:
        return self._retriever

    def status(self) -> dict[str, object]:
        if self._retriever is not None:
            return {"ok": True}
        if self._error:
            return {"ok": False, "error": self._error}
        return {"ok": False, "error": "loading" if self._loading else "not loaded"}

    def load_in_background(
        self,
        kb_dir: Path,
        index_dir: Path,
        make_encoder: Callable[[], Encoder],
        options: SearchOptions,
        index_type: IndexType = "flat",
    ) -> threading.Thread:
        with self._lock:
            self._loading = True
        thread = threading.Thread(
            target=self._load,
            args=(kb_dir, index_dir, make_encoder, options, index_type),
            daemon=True,
        )
        thread.start()
        return thread

    def _load(
        self,
        kb_dir: Path,
        index_dir: Path,
        make_encoder: Callable[[], Encoder],
        options: SearchOptions,
        index_type: IndexType,
    ) -> None:
        try:
            encoder = make_encoder()
            kb_index = load_or_build(kb_dir, index_dir, encoder, index_type)
            self._retriever = KBRetriever(kb_index, encoder, options)
            log.info("knowledge base ready")
        except KBError as error:
            self._error = str(error)
            log.error("knowledge base failed to load: %s", error)
        except Exception as error:  # the gateway keeps serving; /readyz reports it
            self._error = f"{type(error).__name__}: {error}"
            log.exception("knowledge base failed to load")
        finally:
            self._loading = False
