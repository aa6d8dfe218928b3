"""The account's access token, kept fresh and shared by every process, refreshed by one at a time.

WeChat gives an account one valid access token at a time: fetching a new one invalidates the old one after five
minutes, and the fetches a day are limited (2000). So the worker, its outbox thread, the menu CLI and a second
worker behind a balancer must not each fetch their own. The token lives in a table of the desk's database (which
every process reaches; it is the one shared store every deployment has, Redis being optional), and a refresh
happens inside a transaction that locks the token's row — `SELECT … FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE`
on SQLite (bot/desk/db.py) — so a second process that finds the token stale waits for the first one's refresh and
then uses its token instead of fetching another.

The table is created here (its own metadata, not the desk's migrations): it holds nothing but a cache, and a
missing table only costs one fetch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import Column, String, Text, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import registry

from bot.desk.db import dialect_insert, sessions
from bot.desk.schema import UTCDateTime

log = logging.getLogger(__name__)

token_registry = registry()
TokenBase: Any = token_registry.generate_base()

#: A token this close to its end is refreshed before use (WeChat's last five minutes overlap the next token).
MARGIN = timedelta(minutes=5)
NEVER = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: Fetches a new token: (token, seconds it lives).
Fetch = Callable[[], tuple[str, int]]


class AccessToken(TokenBase):
    __tablename__ = "wechat_access_tokens"

    app_id = Column(String(64), primary_key=True)
    token = Column(Text, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    refreshed_at = Column(UTCDateTime)


class TokenStore:
    """The token of `app_id` in the database behind `engine`; `fetch` is called only by the one refresher."""

    def __init__(self, engine: Engine, app_id: str, fetch: Fetch, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.app_id = app_id
        self.fetch = fetch
        self.now = now
        self._sessions = sessions(engine)
        self._schema = False

    def get(self, *, stale: str | None = None) -> str:
        """A valid token. `stale`: a token WeChat just refused (40001, 42001), refreshed even if it looks fresh —
        unless another process has replaced it already."""
        self._ensure_schema()
        with self._sessions() as session:
            row = session.get(AccessToken, self.app_id)
            if row is not None and self._usable(row, stale):
                return str(row.token)
        with self._sessions.begin() as session:
            session.execute(
                dialect_insert(session, AccessToken.__table__)
                .values(app_id=self.app_id, token="", expires_at=NEVER)
                .on_conflict_do_nothing(index_elements=["app_id"])
            )
            row = session.scalars(select(AccessToken).where(AccessToken.app_id == self.app_id).with_for_update()).one()
            if self._usable(row, stale):
                return str(row.token)  # another process refreshed it while this one waited for the lock
            token, lifetime = self.fetch()
            now = self.now()
            row.token, row.expires_at, row.refreshed_at = token, now + timedelta(seconds=lifetime), now
            log.info("WeChat access token refreshed; it lives %d s", lifetime)
            return token

    def _usable(self, row: AccessToken, stale: str | None) -> bool:
        return bool(row.token) and row.token != stale and row.expires_at - MARGIN > self.now()

    def _ensure_schema(self) -> None:
        """Create the table on first use. Processes starting together race to create it (PostgreSQL then refuses
        all but one with a duplicate type or table); a loser finds it made and goes on."""
        if self._schema:
            return
        try:
            TokenBase.metadata.create_all(self.engine)
        except (IntegrityError, ProgrammingError):
            if not inspect(self.engine).has_table(AccessToken.__tablename__):
                raise
            log.info("the WeChat token table was created by another process meanwhile")
        self._schema = True
