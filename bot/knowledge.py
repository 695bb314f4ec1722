"""Holds the knowledge-base retriever: loads it in the background so the gateway starts fast,
and swaps in a rebuilt one when a writer edits the articles (no restart, no Rasa retraining)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from retrieval.encoder import Encoder
from retrieval.index import IndexType, load_or_build
from retrieval.kb import KBError, kb_content_hash
from retrieval.retriever import KBRetriever, Retriever, SearchOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KBSource:
    kb_dir: Path
    index_dir: Path
    make_encoder: Callable[[], Encoder]
    options: SearchOptions
    index_type: IndexType = "flat"


class KnowledgeBase:
    def __init__(self, retriever: Retriever | None = None) -> None:
        self._retriever = retriever
        self._error: str | None = None
        self._loading = False
        self._loaded_hash: str | None = None
        self._stop = threading.Event()

    @property
    def retriever(self) -> Retriever | None:
        return self._retriever

    def status(self) -> dict[str, object]:
        if self._error:
            return {"ok": False, "error": self._error}
        if self._retriever is not None:
            return {"ok": True}
        return {"ok": False, "error": "loading" if self._loading else "not loaded"}

    def load_in_background(self, source: KBSource, watch_seconds: float = 0) -> threading.Thread:
        """Load now; with `watch_seconds` > 0, also rebuild whenever the articles change."""
        self._loading = True
        thread = threading.Thread(target=self._run, args=(source, watch_seconds), daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _run(self, source: KBSource, watch_seconds: float) -> None:
        encoder = self._load(source, None)
        self._loading = False
        while encoder is not None and watch_seconds > 0 and not self._stop.wait(watch_seconds):
            try:
                changed = kb_content_hash(source.kb_dir) != self._loaded_hash
            except OSError:
                continue  # an article is being written; look again next time
            if changed:
                log.info("knowledge base changed; rebuilding the index")
                self._load(source, encoder)

    def _load(self, source: KBSource, encoder: Encoder | None) -> Encoder | None:
        """Build or load the index and swap it in; on failure keep serving the previous one."""
        try:
            encoder = encoder or source.make_encoder()
            content_hash = kb_content_hash(source.kb_dir)
            kb_index = load_or_build(source.kb_dir, source.index_dir, encoder, source.index_type)
            self._retriever = KBRetriever(kb_index, encoder, source.options)
            self._loaded_hash = content_hash
            self._error = None
            log.info("knowledge base ready: %d chunks", kb_index.manifest.chunk_count)
        except KBError as error:
            self._error = str(error)
            self._loaded_hash = kb_content_hash(source.kb_dir)  # do not retry until it changes
            log.error("knowledge base failed to load: %s", error)
        except Exception as error:  # the gateway keeps serving; /readyz reports it
            self._error = f"{type(error).__name__}: {error}"
            log.exception("knowledge base failed to load")
        return encoder
