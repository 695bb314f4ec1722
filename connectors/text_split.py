"""Splitting a long reply for channels with a message size limit, on paragraph boundaries."""

from __future__ import annotations

from collections.abc import Callable


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of `text`, in order, each at most `limit` by `measure` (e.g. its escaped length).
    Paragraphs stay whole where they fit, then lines, then words; a word longer than the limit
    is cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if measure(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) > 1:
            current = ""
            for part in parts:
                candidate = f"{current}{separator}{part}" if current else part
                if measure(candidate) <= limit:
                    current = candidate
                    continue
                if current:
                    pieces.append(current)
                if measure(part) <= limit:
                    current = part
                else:
                    pieces.extend(split_text(part, limit, measure))
                    current = ""
            if current:
                pieces.append(current)
            return [p for p in pieces if p.strip()]
    # one unbroken word: cut it where it fits
    cut = limit
    while cut > 1 and measure(text[:cut]) > limit:
        cut -= 1
    return [text[:cut], *split_text(text[cut:], limit, measure)]
