"""The console's settings, from the environment (defaults suit `make run` on one machine)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping
from urllib.parse import urlsplit

from bot.settings import flag, positive, read, text

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
    #: Sign-in throttling (bot/console/accounts.py): `max_failures` failed tries for one name (three times as many
    #: from one address) are free; each further one doubles the wait before the next try, from one second up to
    #: `lockout`. Failures count for `failure_window`.
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    failure_window: timedelta = timedelta(days=1)
    #: Send the session cookie over HTTPS only: on whenever the console is served behind TLS.
    secure_cookies: bool = False
    #: The console's address as browsers reach it ("https://console.example.org"): the Origin every POST must carry.
    #: Unset: the request's own scheme and host, or those a trusted proxy forwards.
    public_origin: str | None = None
    #: The proxies in front of the console (addresses or networks): only from them are X-Forwarded-For,
    #: X-Forwarded-Proto and X-Forwarded-Host believed. Empty: from nobody.
    trusted_proxies: tuple[Network, ...] = ()
    #: The key that signs the console's own cookies (the one-time message after a redirect); the same on every
    #: console behind one balancer. Unset: a fresh one per process.
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

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
            public_origin=read(env, "IPDESK_CONSOLE_PUBLIC_ORIGIN", parse_origin, None),
            trusted_proxies=read(env, "IPDESK_CONSOLE_TRUSTED_PROXIES", parse_networks, ()),
            secret=read(env, "IPDESK_CONSOLE_SECRET", _secret, "") or secrets.token_urlsafe(32),
        )


def parse_origin(raw: str) -> str:
    """ "https://console.example.org" (a scheme and a host, perhaps a port; nothing else) as browsers send it."""
    parts = urlsplit(raw.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ValueError("expected an origin like https://console.example.org (scheme and host, no path)")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port is not a number") from None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def parse_networks(raw: str) -> tuple[Network, ...]:
    """ "127.0.0.1, 10.0.0.0/8" → the networks; each an address or a network in CIDR form."""
    networks = []
    for part in raw.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not an address or a network (10.0.0.0/8)") from None
    return tuple(networks)


def _secret(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("use at least 16 characters (openssl rand -hex 32)")
    return raw
