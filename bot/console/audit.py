"""The console's audit trail: every sign-in, page view of personal data, change and export, with who and when.

Entries are written in the same transaction as the change they describe, so a change that rolled back leaves no
entry and an entry never describes something that did not happen.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.models import AuditEntry

if TYPE_CHECKING:
    from bot.console.accounts import Principal

ACTIONS = (
    "sign_in", "sign_in_failed", "sign_in_throttled", "sign_out", "view", "create", "change", "escalate",
    "export", "purge", "accept", "decline", "answer", "assign", "close", "reopen", "acknowledge", "publish", "expire",
)


def record(
    session: Session,
    who: "Principal | None",
    action: str,
    *,
    at: datetime,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Add an entry to `session`'s transaction. `username` names the actor when nobody is signed in (a failed
    sign-in, a command-line purge)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=at, user_id=who.user_id if who else None, username=(who.username if who else username) or "system",
        role=who.role if who else None, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), detail=detail or {},
        ip=ip if ip is not None else (who.ip if who else None),
    )
    session.add(entry)
    return entry
