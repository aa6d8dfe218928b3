"""Password hashing for console accounts: scrypt from the standard library, with its parameters in the hash.

scrypt is memory-hard, so a stolen table is slow to crack even on GPUs, and it needs no extra package. The
stored form is `scrypt$n$r$p$salt$hash` (base64), so the cost can be raised later without breaking old hashes:
`needs_rehash` tells the sign-in to store a fresh hash at the new cost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
KEY_LENGTH = 32
MIN_LENGTH = 10
MAX_LENGTH = 256


class PasswordError(ValueError):
    """A password the console will not accept, with the reason in Chinese for the form."""


def check_strength(password: str, *, username: str = "") -> None:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise PasswordError(f"密码至少 {MIN_LENGTH} 个字符")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"密码不能超过 {MAX_LENGTH} 个字符")
    if username and username.lower() in password.lower():
        raise PasswordError("密码不能包含用户名")
    if len(set(password)) < 4:
        raise PasswordError("密码过于简单，请混用字母、数字和符号")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, N, R, P)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches; a malformed stored hash never matches (and never raises)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    return not stored.startswith(f"scrypt${N}${R}${P}$")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=KEY_LENGTH)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


#: Verified against when the user name is unknown, so an unknown name takes as long as a wrong password.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
