"""The console's settings, from the environment (defaults suit `make run` on one machine)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

from bot.settings import flag, positive, read, text


@dataclass(frozen=True)
class ConsoleSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: Where the Rasa server's HTTP API answers, and its token: the console's "classify" call goes there, so the
    #: console sees exactly what the chat sees.
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    #: A session ends after this long without a request, and in any case after `session_lifetime`.
    session_idle: timedelta = timedelta(hours=2)
    session_lifetime: timedelta = timedelta(hours=12)
    #: Sign-in throttling: after `max_failures` failed tries for one name, or three times as many from one
    #: address, within `lockout`, further tries are refused until the window has passed.
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    #: Send the session cookie over HTTPS only: on whenever the console is served behind TLS.
    secure_cookies: bool = False

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "ConsoleSettings":
        env = os.environ if env is None else env
        return cls(
            host=text(env, "IPDESK_CONSOLE_HOST") or text(env, "IPDESK_HOST") or cls.host,
            port=read(env, "IPDESK_CONSOLE_PORT", positive(int), cls.port),
            rasa_url=text(env, "IPDESK_RASA_URL") or cls.rasa_url,
            rasa_token=text(env, "IPDESK_RASA_TOKEN") or "",
            session_idle=timedelta(minutes=read(env, "IPDESK_CONSOLE_SESSION_IDLE_MINUTES", positive(float), 120.0)),
            max_failures=read(env, "IPDESK_CONSOLE_MAX_SIGN_IN_FAILURES", positive(int), cls.max_failures),
            secure_cookies=flag(env, "IPDESK_CONSOLE_SECURE_COOKIES"),
        )
