"""The WeChat worker's settings, read once from the environment.

The AppSecret, the server Token and the EncodingAESKey are secrets: they come only from the environment and never
appear in a log or a traceback (`__repr__`). Every call to WeChat's API goes to `api_base`, the access token's too,
so a proxy in front of api.weixin.qq.com — or the fake API the tests run — stands in for WeChat's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from bot.settings import ROOT, SettingsError, number, positive, read, text

WECHAT_API = "https://api.weixin.qq.com"
_AES_KEY = re.compile(r"^[A-Za-z0-9+/]{43}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")  # what the account's server configuration accepts


@dataclass(frozen=True)
class WeChatSettings:
    app_id: str = ""
    secret: str = ""
    #: The server configuration's Token: WeChat signs every request with it.
    token: str = ""
    #: The EncodingAESKey of the safe mode; None: plaintext only (an encrypted request is then refused).
    aes_key: str | None = None
    api_base: str = WECHAT_API
    listen: str = "127.0.0.1"
    port: int = 8082
    path: str = "/wechat"
    #: How long a request waits for the turn, to answer in the reply itself; WeChat gives up after 5 s.
    passive_seconds: float = 4.0
    template_desk: str | None = None
    template_warning: str | None = None
    #: The web chat's public address, whose /source/<id> pages show a cited item in full.
    source_url: str | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    database_url: str = f"sqlite:///{ROOT / 'var' / 'desk.db'}"
    var_dir: Path = ROOT / "var"
    retry_base: float = 2.0
    retry_max: float = 60.0
    desk_interval: float = 2.0

    def __post_init__(self) -> None:
        if not (self.app_id and self.secret and self.token):
            raise SettingsError(
                "IPDESK_WECHAT_APP_ID, IPDESK_WECHAT_SECRET and IPDESK_WECHAT_TOKEN must all be set (公众号 开发 → 基本配置)"
            )
        if not _TOKEN.match(self.token):
            raise SettingsError("IPDESK_WECHAT_TOKEN must be 3-32 letters and digits, as the account's Token is")
        if self.aes_key is not None and not _AES_KEY.match(self.aes_key):
            raise SettingsError("IPDESK_WECHAT_AES_KEY must be the account's 43-character EncodingAESKey")
        if not self.rasa_token:
            raise SettingsError("IPDESK_RASA_TOKEN is not set: the worker calls Rasa's token-protected API")
        for name, url in (("IPDESK_WECHAT_API_BASE", self.api_base), ("IPDESK_WECHAT_SOURCE_URL", self.source_url)):
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise SettingsError(f"{name}={url!r}: expected an http(s) address")
        if not self.path.startswith("/"):
            raise SettingsError(f"IPDESK_WECHAT_PATH={self.path!r}: expected a path beginning with /")
        if not 0 < self.passive_seconds < 5:
            raise SettingsError("IPDESK_WECHAT_PASSIVE_SECONDS must be under WeChat's 5 seconds")

    @property
    def inbox_url(self) -> str:
        return f"sqlite:///{self.var_dir / 'wechat-inbox.db'}"

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "WeChatSettings":
        env = os.environ if env is None else env

        def decimal(name: str, default: float) -> float:
            return read(env, name, positive(float), default)

        return cls(
            app_id=text(env, "IPDESK_WECHAT_APP_ID") or "",
            secret=text(env, "IPDESK_WECHAT_SECRET") or "",
            token=text(env, "IPDESK_WECHAT_TOKEN") or "",
            aes_key=text(env, "IPDESK_WECHAT_AES_KEY"),
            api_base=(text(env, "IPDESK_WECHAT_API_BASE") or WECHAT_API).rstrip("/"),
            listen=text(env, "IPDESK_WECHAT_LISTEN") or cls.listen,
            port=read(env, "IPDESK_WECHAT_PORT", number(int), cls.port),
            path=text(env, "IPDESK_WECHAT_PATH") or cls.path,
            passive_seconds=decimal("IPDESK_WECHAT_PASSIVE_SECONDS", cls.passive_seconds),
            template_desk=text(env, "IPDESK_WECHAT_TEMPLATE_DESK"),
            template_warning=text(env, "IPDESK_WECHAT_TEMPLATE_WARNING"),
            source_url=(text(env, "IPDESK_WECHAT_SOURCE_URL") or "").rstrip("/") or None,
            rasa_url=(text(env, "IPDESK_RASA_URL") or cls.rasa_url).rstrip("/"),
            rasa_token=text(env, "IPDESK_RASA_TOKEN") or "",
            database_url=text(env, "IPDESK_DATABASE_URL") or cls.database_url,
            var_dir=Path(text(env, "IPDESK_VAR_DIR") or ROOT / "var"),
            retry_base=decimal("IPDESK_WECHAT_RETRY_BASE", cls.retry_base),
            retry_max=decimal("IPDESK_WECHAT_RETRY_MAX", cls.retry_max),
            desk_interval=decimal("IPDESK_WECHAT_DESK_INTERVAL", cls.desk_interval),
        )

    def __repr__(self) -> str:  # the secret, the token and the key stay out of logs and tracebacks
        return (
            f"WeChatSettings(app_id={self.app_id!r}, api_base={self.api_base!r}, listen={self.listen!r}, "
            f"port={self.port}, safe_mode={self.aes_key is not None}, rasa_url={self.rasa_url!r})"
        )
