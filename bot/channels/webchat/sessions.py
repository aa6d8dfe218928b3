"""The visitor's browser session: the only key to a web chat conversation.

A session is issued by the server when the visitor agrees to the privacy notice, never chosen by the client: the
Rasa sender is `web:<32 random bytes, base64url>`, so it can be neither picked nor guessed. The cookie carries the
sender and the session's expiry, signed with HMAC-SHA256 under the server's secret (IPDESK_WEBCHAT_SECRET, or a
key generated once into var/), so a cookie edited in any byte, one past its expiry, or one signed with another key
reads as no session at all — the visitor is shown the notice again and gets a new, empty conversation, never
someone else's. The cookie is HttpOnly (page scripts cannot read it) and SameSite (other sites' pages cannot send
it along); Secure behind TLS.

No server-side table is needed to check a session, so any number of web chat servers share them through the key.
"Clear my conversation" deletes the cookie and the conversation's stored events (the server does that), so the old
sender id is left with nothing to read even if the cookie had been copied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bot.channels.identity import WEBCHAT_PREFIX

COOKIE_NAME = "ipdesk_chat"  # not the console's: a visitor's session and a staff session never mix
#: A session is renewed (a fresh cookie, a new expiry) once less than this part of its life is left.
RENEW_FRACTION = 0.5


@dataclass(frozen=True)
class Session:
    sender: str
    expires: int  # Unix seconds


class SessionSigner:
    """Issues and checks the signed session cookies of one key."""

    def __init__(self, key: bytes, lifetime_seconds: int, clock: Callable[[], float] = time.time) -> None:
        if len(key) < 16:
            raise ValueError("the web chat's session key must be at least 16 bytes")
        self._key = key
        self.lifetime = lifetime_seconds
        self.clock = clock

    def new(self) -> Session:
        """A fresh session for a new visitor: a sender nobody else has."""
        return Session(WEBCHAT_PREFIX + secrets.token_urlsafe(32), int(self.clock()) + self.lifetime)

    def renewed(self, session: Session) -> Session | None:
        """The session with a new expiry when it is past the renewal point, else None (the cookie stays)."""
        left = session.expires - self.clock()
        return (
            Session(session.sender, int(self.clock()) + self.lifetime)
            if left < self.lifetime * RENEW_FRACTION
            else None
        )

    def cookie_value(self, session: Session) -> str:
        body = f"{session.sender}|{session.expires}"
        return f"{_b64(body.encode())}.{_b64(self._mac(body))}"

    def read(self, value: str | None) -> Session | None:
        """The session a cookie value carries, or None when it is missing, malformed, forged or expired."""
        if not value or len(value) > 512 or value.count(".") != 1:
            return None
        encoded, signature = value.split(".")
        try:
            body = _unb64(encoded).decode()
            given = _unb64(signature)
        except (ValueError, UnicodeDecodeError):
            return None
        if _b64(body.encode()) != encoded or _b64(given) != signature:
            return None  # only the one spelling the server writes: no second cookie for one session
        if not hmac.compare_digest(given, self._mac(body)):
            return None
        sender, _, expires = body.rpartition("|")
        if not sender.startswith(WEBCHAT_PREFIX) or not expires.isdigit():
            return None
        if int(expires) <= self.clock():
            return None
        return Session(sender, int(expires))

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, b"ipdesk-webchat-session\0" + body.encode(), hashlib.sha256).digest()


def load_or_create_key(configured: str | None, var_dir: Path) -> bytes:
    """The signing key: IPDESK_WEBCHAT_SECRET when set, else the one kept in var/webchat-secret, made on first use
    (0600, only this user can read it) so that sessions survive a restart of the server."""
    if configured:
        return configured.encode()
    path = var_dir / "webchat-secret"
    var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode()
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
