"""Whether the English intent model can read a message at all (shared by NLU and actions)."""

from __future__ import annotations

import re

LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u024F]{2,}|\d")


def is_readable(text: str) -> bool:
    """True when the text has a Latin-script word or a digit; emoji-only or e.g. Chinese is not."""
    return bool(LATIN_WORD.search(text or ""))
