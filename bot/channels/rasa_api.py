"""A front end's calls to the Rasa server's HTTP API (the Telegram worker's, the web chat server's), with its token.

Any failure to get an answer — Rasa not listening, timing out, or answering with an error — is `RasaUnavailable`,
carrying the HTTP status when there was one: the caller keeps the message and sends it again later, which the
channels make safe (bot/channels/bridge.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx


class RasaUnavailable(Exception):
    """Rasa could not be reached or could not handle the request now; try again later."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason  # the `error` Rasa's channel gave, when it gave one


class RasaApi:
    def __init__(self, rasa_url: str, token: str, *, timeout: float = 120.0) -> None:
        # A turn over a 10 000-character message or a slow action can take a while; a timeout is still a
        # failure to retry, not an answer, so it is generous.
        # trust_env=False: a proxy set for reaching the outside (HTTPS_PROXY, ALL_PROXY) must not carry the calls to
        # Rasa, which runs beside the front end.
        self.client = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"), timeout=timeout, params={"token": token}, trust_env=False
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{method} {path}: {type(error).__name__}: {error}") from error
        if response.status_code != 200:
            raise RasaUnavailable(
                f"{method} {path}: HTTP {response.status_code} {response.text[:300]}",
                status=response.status_code,
                reason=_error_of(response),
            )
        return response.json()


def conversation_path(sender: str) -> str:
    """The API path of a conversation. Rasa does not decode the id in the path, so the ":" of "tg:<chat>" or
    "web:<token>" stays as it is (as %3A it would name another, empty conversation)."""
    return f"/conversations/{quote(sender, safe=':')}"


def _error_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""
