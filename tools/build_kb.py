"""`make kb`: rebuild the knowledge-base index now (the gateway also rebuilds a stale one)."""

from __future__ import annotations

import sys

from bot.settings import get_settings
from retrieval.encoder import MiniLMEncoder
from retrieval.index import build_index, save_index
from retrieval.kb import KBError


def main() -> int:
    settings = get_settings()
    print(f"Loading the encoder and embedding the articles in {settings.kb_dir} ...", flush=True)
    try:
        built = build_index(settings.kb_dir, MiniLMEncoder(), settings.kb_index_type)
    except KBError as error:
        print(f"Knowledge base build failed: {error}", file=sys.stderr)
        return 1
    save_index(built, settings.index_dir)
    manifest = built.manifest
    print(
        f"Indexed {manifest.chunk_count} chunks in {manifest.build_seconds} s -> {settings.index_dir}"
    )
    print("A running gateway picks it up within KB_WATCH_SECONDS (5 s); Rasa needs no retraining.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
