"""The Telegram worker's settings, read once from the environment.

The bot token is a secret: it comes only from `IPDESK_TELEGRAM_BOT_TOKEN`, never from a file in the repository, and
it is never logged. The Bot API's address is a setting too (`IPDESK_TELEGRAM_BASE_URL`), so that a local Bot API
server — or the fake one the tests run — can stand in for Telegram's. The desk's database is the desk's setting
(IPDESK_DATABASE_URL, read by `bot.settings.DeskSettings`). A malformed value stops the worker at start with the
variable's name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping
from urllib.parse import urlsplit

from bot.settings import ROOT, SettingsError, number, read, text

Mode = Literal["polling", "webhook"]

TELEGRAM_API = "https://api.telegram.org"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a webhook's secret_token


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    #: The Bot API server's root: methods are at <base_url>/bot<token>/<method>, files at <base_url>/file/bot<token>/.
    base_url: str = TELEGRAM_API
    #: Long polling works from behind NAT (nothing needs to reach us); a webhook needs a public HTTPS address.
    mode: Mode = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    #: The worker's own files: the inbox database (telegram-inbox.db) and received documents (attachments/).
    var_dir: Path = ROOT / "var"
    #: Seconds a getUpdates call waits for news before asking again.
    poll_timeout: float = 30.0
    #: Retries of work that waits for a part that is down: first after `retry_base`, doubling up to `retry_max`.
    retry_base: float = 2.0
    retry_max: float = 60.0
    #: Seconds between passes over the desk (outbox, attachments waiting for their ticket).
    desk_interval: float = 2.0

    def __post_init__(self) -> None:
        if not self.token:
            raise SettingsError(
                "IPDESK_TELEGRAM_BOT_TOKEN is not set: the worker needs the bot's token from @BotFather"
            )
        if self.mode not in ("polling", "webhook"):
            raise SettingsError(f"IPDESK_TELEGRAM_MODE={self.mode!r}: expected polling or webhook")
        if not self.rasa_token:
            raise SettingsError("IPDESK_RASA_TOKEN is not set: the worker calls Rasa's token-protected API")
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise SettingsError(f"IPDESK_TELEGRAM_BASE_URL={self.base_url!r}: expected an http(s) address")
        if self.mode == "webhook":
            if not self.webhook_url or urlsplit(self.webhook_url).scheme != "https":
                raise SettingsError("IPDESK_TELEGRAM_WEBHOOK_URL must be the public https:// address Telegram posts to")
            if not self.webhook_secret or not _SECRET.match(self.webhook_secret):
                raise SettingsError(
                    "IPDESK_TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters of A-Z, a-z, 0-9, _ "
                    "and -: it is how the worker knows a request comes from Telegram"
                )
        if min(self.poll_timeout, self.retry_base, self.retry_max, self.desk_interval) <= 0:
            raise SettingsError("timeouts and intervals must be positive")

    @property
    def webhook_path(self) -> str:
        """The path the webhook listens on: that of the public URL (a reverse proxy passes it through)."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def inbox_url(self) -> str:
        return f"sqlite:///{self.var_dir / 'telegram-inbox.db'}"

    @property
    def attachments_dir(self) -> Path:
        return self.var_dir / "attachments"

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "TelegramSettings":
        env = os.environ if env is None else env

        def decimal(name: str, default: float) -> float:
            return read(env, name, number(float), default)

        return cls(
            token=text(env, "IPDESK_TELEGRAM_BOT_TOKEN") or "",
            base_url=(text(env, "IPDESK_TELEGRAM_BASE_URL") or TELEGRAM_API).rstrip("/"),
            mode=(text(env, "IPDESK_TELEGRAM_MODE") or "polling").lower(),  # type: ignore[arg-type]
            webhook_url=text(env, "IPDESK_TELEGRAM_WEBHOOK_URL"),
            webhook_listen=text(env, "IPDESK_TELEGRAM_WEBHOOK_LISTEN") or cls.webhook_listen,
            webhook_port=int(decimal("IPDESK_TELEGRAM_WEBHOOK_PORT", cls.webhook_port)),
            webhook_secret=text(env, "IPDESK_TELEGRAM_WEBHOOK_SECRET"),
            rasa_url=(text(env, "IPDESK_RASA_URL") or cls.rasa_url).rstrip("/"),
            rasa_token=text(env, "IPDESK_RASA_TOKEN") or "",
            var_dir=Path(text(env, "IPDESK_VAR_DIR") or ROOT / "var"),
            poll_timeout=decimal("IPDESK_TELEGRAM_POLL_TIMEOUT", cls.poll_timeout),
            retry_base=decimal("IPDESK_TELEGRAM_RETRY_BASE", cls.retry_base),
            retry_max=decimal("IPDESK_TELEGRAM_RETRY_MAX", cls.retry_max),
            desk_interval=decimal("IPDESK_TELEGRAM_DESK_INTERVAL", cls.desk_interval),
        )

    def __repr__(self) -> str:  # the token and the secrets stay out of logs and tracebacks
        return (
            f"TelegramSettings(mode={self.mode!r}, base_url={self.base_url!r}, rasa_url={self.rasa_url!r}, "
            f"var_dir={str(self.var_dir)!r})"
        )
