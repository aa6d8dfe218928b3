"""A real console server on a loopback port, in a thread of the test process, over the test's own database and
manual clock; and a browser-like HTTP client that signs in and sends CSRF tokens as the pages do."""

from __future__ import annotations

from typing import Any

import asyncio
import re
import threading
from dataclasses import dataclass

import requests
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.console.context import ConsoleContext
from bot.console.web import create_app
from bot.desk.schema import Call, Ticket

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')
PASSWORD = "correct-horse-battery"


class ConsoleServer:
    """The console's aiohttp application served on 127.0.0.1:`port` until `stop()`."""

    def __init__(self, ctx: ConsoleContext, port: int) -> None:
        self.ctx = ctx
        self.url = f"http://127.0.0.1:{port}"
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="console", daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> "ConsoleServer":
        self._thread.start()
        if not self._ready.wait(15):
            raise TimeoutError("the console did not start")
        return self

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(create_app(self.ctx), access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self._port).start())
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)


@dataclass
class Page:
    status: int
    text: str
    url: str

    @property
    def csrf(self) -> str:
        match = CSRF_FIELD.search(self.text)
        assert match, f"no CSRF field on {self.url}"
        return match.group(1)


class ConsoleClient:
    """One browser: its own cookies; `post` sends the CSRF token of the last page it loaded, as a form would."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **params: str) -> Page:
        response = self.http.get(self.base + path, params=params or None, timeout=30)
        page = Page(response.status_code, response.text, response.url)
        if match := CSRF_FIELD.search(page.text):
            self.csrf = match.group(1)
        return page

    def raw_get(self, path: str, **params: str) -> requests.Response:
        return self.http.get(self.base + path, params=params or None, timeout=30)

    def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        csrf: str | None = None,
        follow: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Page:
        body = {"csrf_token": self.csrf if csrf is None else csrf, **(data or {})}
        response = self.http.post(self.base + path, data=body, timeout=60, allow_redirects=follow, headers=headers)
        page = Page(response.status_code, response.text, response.url)
        if match := CSRF_FIELD.search(page.text):
            self.csrf = match.group(1)
        return page

    def api(self, path: str, payload: Any) -> requests.Response:
        return self.http.post(self.base + path, json=payload, headers={"X-CSRF-Token": self.csrf}, timeout=60)

    def log_call(self, data: dict[str, str]) -> Page:
        """Log a call as staff do: open the form (for its CSRF token), then save it."""
        self.get("/calls/new")
        return self.post("/calls", data)

    def sign_in(self, username: str, password: str = PASSWORD) -> Page:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


def open_ticket(desk, company: str, contact: str, **fields) -> str:
    """A ticket as the chat opens one (a REST conversation about a US patent suit), with `fields` changed; its number."""
    values = dict(
        channel="rest",
        sender_id=f"web-{contact}",
        description="我们在美国被起诉专利侵权，需要专家帮助",
        country="美国",
        ip_type="专利",
        transcript=[("user", "我们收到了美国法院的起诉书"), ("bot", "已为您转专家")],
    )
    values.update(fields)
    return desk.open_ticket(company=company, contact=contact, **values).number


def only_call(console: ConsoleServer) -> int:
    """The id of the one call stored."""
    with console.ctx.sessions() as session:
        return session.scalars(select(Call.id)).one()


def ticket(console: ConsoleServer, number: str) -> Ticket:
    """The ticket as stored now."""
    with console.ctx.sessions() as session:
        return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def expert_account(maker: sessionmaker, expert_id: int, password: str) -> str:
    """The username of the pool expert `expert_id`'s console account, made if it has none, with `password`.

    An expert has one account whoever made it: the console's and the web chat's browser tests share a stack, and
    the matching may give both the same expert."""
    from bot.clock import SystemClock
    from bot.console.accounts import Accounts
    from bot.console.config import ConsoleSettings
    from bot.desk.schema import ConsoleUser, Expert

    accounts = Accounts(maker, SystemClock(), ConsoleSettings())
    with maker() as session:  # closed before the account is changed: a SQLite transaction holds the write lock
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.expert_id == expert_id))
        name = session.get(Expert, expert_id).name
    if user is None:
        username = f"expert{expert_id}"
        accounts.create_user(username, name, "expert", password, expert_id=expert_id, actor_name="test")
        return username
    accounts.set_password(user.id, password, actor_name="test")
    return user.username
