"""Knowledge-base search for the widget's search box."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from bot.errors import ApiError
from bot.schemas import Screen
from retrieval.retriever import Passage, Retriever

router = APIRouter(prefix="/api/kb", tags=["kb"])

SNIPPET_CHARS = 240


def _retriever(request: Request) -> Retriever:
    retriever = request.app.state.knowledge.retriever
    if retriever is None:
        raise ApiError(
            503, "kb_unavailable", "The knowledge base is still loading; try again shortly."
        )
    return retriever


def _public(passage: Passage) -> dict[str, Any]:
    snippet = " ".join(passage.text.split())
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "\u2026"
    return {
        "article_id": passage.article_id,
        "title": passage.title,
        "section": passage.heading,
        "url": passage.url,
        "score": passage.score,
        "snippet": snippet,
    }


@router.get("/search")
async def search(
    request: Request,
    q: str = Query(default="", max_length=10_000),
    screen: Screen | None = None,
    k: int = Query(default=5, ge=1, le=20),
) -> dict[str, Any]:
    retriever = _retriever(request)
    passages = await run_in_threadpool(retriever.search, q, k, screen)
    return {"query": q, "results": [_public(p) for p in passages]}


@router.get("/topics")
async def topics(
    request: Request, screen: Screen, k: int = Query(default=5, ge=1, le=20)
) -> dict[str, Any]:
    """Articles tagged for an in-product screen (the widget shows them as suggested topics)."""
    retriever = _retriever(request)
    return {
        "screen": screen,
        "results": [_public(p) for p in retriever.articles_for_screen(screen, k)],
    }
