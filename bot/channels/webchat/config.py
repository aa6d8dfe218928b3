"""The web chat server's settings, from the environment only (IPDESK_WEBCHAT_*, bot/settings.py lists them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from bot.settings import ROOT, SettingsError, flag, number, positive, read, text

SAMESITE = ("Strict", "Lax", "None")


@dataclass(frozen=True)
class WebchatSettings:
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 8081
    var_dir: Path = ROOT / "var"
    secret: str | None = field(default=None, repr=False)
    session_days: int = 30
    secure_cookies: bool = False
    samesite: str = "Lax"
    #: Origins whose pages may frame the chat (the widget's iframe); the chat's own pages always may.
    embed_origins: tuple[str, ...] = ()
    burst: int = 10
    per_minute: int = 30
    address_burst: int = 60
    address_per_minute: int = 240
    max_file_mb: int = 10
    retention_days: int = 730
    #: Seconds between the live stream's looks at the conversation, and between retries of kept messages.
    poll_seconds: float = 1.0
    retry_seconds: float = 3.0

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "WebchatSettings":
        env = os.environ if env is None else env
        token = text(env, "IPDESK_RASA_TOKEN")
        if not token:
            raise SettingsError("IPDESK_RASA_TOKEN is not set: the web chat reaches Rasa's webchat channel with it")
        samesite = (text(env, "IPDESK_WEBCHAT_SAMESITE") or cls.samesite).capitalize()
        secure = flag(env, "IPDESK_WEBCHAT_SECURE_COOKIES")
        if samesite not in SAMESITE:
            raise SettingsError(f"IPDESK_WEBCHAT_SAMESITE={samesite!r}: one of {', '.join(SAMESITE)}")
        if samesite == "None" and not secure:
            raise SettingsError(
                "IPDESK_WEBCHAT_SAMESITE=None needs IPDESK_WEBCHAT_SECURE_COOKIES=true (browsers insist)"
            )
        origins = tuple((text(env, "IPDESK_WEBCHAT_EMBED_ORIGINS") or "").split())
        for origin in origins:
            if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
                raise SettingsError(
                    f"IPDESK_WEBCHAT_EMBED_ORIGINS: {origin!r} is not an origin like https://www.example.gov.cn"
                )
        return cls(
            rasa_url=text(env, "IPDESK_RASA_URL") or cls.rasa_url,
            rasa_token=token,
            host=text(env, "IPDESK_WEBCHAT_HOST") or cls.host,
            port=read(env, "IPDESK_WEBCHAT_PORT", positive(int), cls.port),
            var_dir=Path(text(env, "IPDESK_VAR_DIR") or ROOT / "var"),
            secret=text(env, "IPDESK_WEBCHAT_SECRET"),
            session_days=read(env, "IPDESK_WEBCHAT_SESSION_DAYS", positive(int), cls.session_days),
            secure_cookies=secure,
            samesite=samesite,
            embed_origins=origins,
            burst=read(env, "IPDESK_WEBCHAT_BURST", positive(int), cls.burst),
            per_minute=read(env, "IPDESK_WEBCHAT_PER_MINUTE", positive(int), cls.per_minute),
            address_burst=read(env, "IPDESK_WEBCHAT_ADDRESS_BURST", number(int), cls.address_burst),
            address_per_minute=read(env, "IPDESK_WEBCHAT_ADDRESS_PER_MINUTE", positive(int), cls.address_per_minute),
            max_file_mb=read(env, "IPDESK_WEBCHAT_MAX_FILE_MB", positive(int), cls.max_file_mb),
            retention_days=read(env, "IPDESK_RETENTION_DAYS", positive(int), cls.retention_days),
        )
