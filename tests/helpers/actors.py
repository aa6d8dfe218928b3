"""Who acts, as the audit trail records a console user, for tests of a service without the console."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A signed-in console user as `bot.desk.audit.Actor` sees one (here without an account row: no user id)."""

    user_id: int = None  # type: ignore[assignment]
    username: str = "wang"
    role: str = "staff"
    ip: str | None = "127.0.0.1"
