"""The web chat server on a loopback port in a thread of the test (for the tests that need no Rasa, or a Rasa that is
down), and a visitor's HTTP client that keeps its cookie as a browser does."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import httpx
from aiohttp import web

from bot.channels.webchat.config import WebchatSettings
from bot.channels.webchat.server import Webchat, build_app

#: What the chat page's own script sends with every POST.
PAGE_HEADERS = {"X-Requested-With": "ipdesk-chat"}


class WebchatServer:
    def __init__(self, settings: WebchatSettings) -> None:
        self.settings = settings
        self.url = f"http://{settings.host}:{settings.port}"
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.chat: Webchat | None = None

    def start(self) -> "WebchatServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=60)
        return self

    async def _start(self) -> None:
        self.chat = Webchat(self.settings)
        self._runner = web.AppRunner(build_app(self.chat))
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


class Visitor:
    """A browser's view of the chat over HTTP: its own cookie jar, the page's header on every POST."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60, trust_env=False)

    def consent(self) -> None:
        answer = self.http.post("/api/consent", headers=PAGE_HEADERS)
        assert answer.status_code == 200, answer.text

    def send(self, text: str, *, id: str | None = None, label: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"id": id or uuid.uuid4().hex, "text": text}
        if label:
            body["label"] = label
        return self.http.post("/api/message", json=body, headers=PAGE_HEADERS)

    def close(self) -> None:
        self.http.close()
