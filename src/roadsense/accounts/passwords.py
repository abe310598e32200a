"""Passwords hashed with scrypt (hashlib), in a self-describing string.

Format: ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``; the cost is stored with each hash,
so it can be raised later without breaking old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from roadsense.errors import RoadsenseError

_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
MIN_PASSWORD_LENGTH = 12


class PasswordError(RoadsenseError, ValueError):
    """A password that is not acceptable, or a stored hash that cannot be read."""


def hash_password(password: str) -> str:
    """The stored form of a password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=64 << 20
    )
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = bytes.fromhex(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 << 20,
        )
    except ValueError as exc:
        raise PasswordError("the stored password hash is not readable") from exc
    return hmac.compare_digest(got, expected)
