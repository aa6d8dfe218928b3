"""Messages a visitor sent while Rasa could not answer: kept on disk until it can, then sent in order.

A message the web chat server cannot hand to Rasa (the Rasa server is down or restarting, or the action server is and
the turn was set aside) is written here, in var/webchat-inbox.db (0600), before the visitor is told "received,
will answer". The server's retry loop sends the kept messages of each conversation oldest first, and stops at the
first that still fails, so answers keep their order; a message sent while earlier ones wait is kept behind them.
Sending one again is safe: the "webchat" channel answers a message id at most once. A message stays here until
Rasa has answered it — a restart of the web chat server loses nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS kept (
    sender TEXT NOT NULL,
    client_id TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    kept_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sender, client_id)
)
"""


@dataclass(frozen=True)
class Kept:
    sender: str
    client_id: str
    text: str
    metadata: dict[str, Any]


class Inbox:
    """The kept messages, in a SQLite file of this server's (one connection, used from worker threads in turn)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)

    def keep(self, sender: str, client_id: str, text: str, metadata: dict[str, Any]) -> bool:
        """Keep a message; True when it is the conversation's first waiting message (the visitor is told once)."""
        with self._lock:
            first = self._db.execute("SELECT 1 FROM kept WHERE sender = ? LIMIT 1", (sender,)).fetchone() is None
            self._db.execute(
                "INSERT OR IGNORE INTO kept (sender, client_id, text, metadata, kept_at) VALUES (?, ?, ?, ?, ?)",
                (sender, client_id, text, json.dumps(metadata, ensure_ascii=False), time.time()),
            )
        return first

    def waiting(self, sender: str) -> list[Kept]:
        """The conversation's kept messages, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT sender, client_id, text, metadata FROM kept WHERE sender = ? ORDER BY kept_at, rowid", (sender,)
            ).fetchall()
        return [Kept(sender, client_id, text, json.loads(metadata)) for sender, client_id, text, metadata in rows]

    def senders(self) -> list[str]:
        """The conversations with kept messages, the longest-waiting first."""
        with self._lock:
            rows = self._db.execute("SELECT sender FROM kept GROUP BY sender ORDER BY MIN(kept_at)").fetchall()
        return [sender for (sender,) in rows]

    def has_waiting(self, sender: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM kept WHERE sender = ? LIMIT 1", (sender,)).fetchone() is not None

    def tried(self, sender: str, client_id: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE kept SET attempts = attempts + 1 WHERE sender = ? AND client_id = ?", (sender, client_id)
            )

    def answered(self, sender: str, client_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM kept WHERE sender = ? AND client_id = ?", (sender, client_id))

    def forget(self, sender: str) -> int:
        """Drop every kept message of a conversation the visitor cleared; how many."""
        with self._lock:
            return self._db.execute("DELETE FROM kept WHERE sender = ?", (sender,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
