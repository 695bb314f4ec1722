"""Which platform user a widget conversation belongs to. The widget runs in the user's browser,
so a `user_id` it sends is only believed with the platform's signature of it (`user_hash`, an
HMAC-SHA256 with USER_ID_SECRET, computed by the platform's server) - otherwise anyone could
read another user's tickets by typing their id."""

from __future__ import annotations

import hashlib
import hmac


def user_hash_for(user_id: str, secret: str) -> str:
    """What the platform's server puts next to the user id when it renders the widget."""
    return hmac.new(secret.encode("utf-8"), user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def verified_user_id(user_id: str | None, user_hash: str | None, secret: str | None) -> str | None:
    """The user id when its hash is right; None when it is missing, unsigned or forged."""
    if not user_id or not user_hash or not secret:
        return None
    expected = user_hash_for(user_id, secret)
    return (
        user_id
        if hmac.compare_digest(expected.encode(), user_hash.strip().lower().encode())
        else None
    )
