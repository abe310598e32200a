"""Device tokens and API keys: made at random, stored only as hashes.

Tokens and keys are random (256 bits), so a plain SHA-256 is a safe stored form (no salt
or slow hash needed, unlike passwords: see :mod:`roadsense.accounts.passwords`).
"""

from __future__ import annotations

import hashlib
import secrets

API_KEY_PREFIX = "rsk_"
"""API keys start with this, so that leaked keys are easy to recognise."""


def new_token() -> str:
    """A fresh random device token."""
    return secrets.token_urlsafe(32)


def new_api_key() -> str:
    """A fresh random API key (prefixed, so that leaked keys are easy to recognise)."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token, API key or session id (random, so SHA-256 suffices)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
