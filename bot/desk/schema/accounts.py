"""The console's tables: staff, expert and admin accounts, their sessions, sign-in attempts and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped

from bot.desk.schema.base import Base, UTCDateTime, sql_in

USER_ROLES = ("staff", "expert", "admin", "editor")


class ConsoleUser(Base):
    """A person who signs in to the console: hotline staff, an expert (linked to their pool entry) or an admin.

    `password_hash` is scrypt with its parameters and salt (bot/console/passwords.py); the password itself is never
    stored. A deactivated account keeps its row so the audit trail still names who did what.
    """

    __tablename__ = "console_users"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(100), nullable=False)
    role: Mapped[str] = Column(String(8), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    expert_id: Mapped[int | None] = Column(Integer, ForeignKey("desk_experts.id", ondelete="SET NULL"), unique=True)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    last_sign_in_at: Mapped[datetime | None] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint(sql_in("role", USER_ROLES), name="ck_console_users_role"),
        CheckConstraint("role <> 'expert' OR expert_id IS NOT NULL", name="ck_console_users_expert"),
    )

    def __repr__(self) -> str:
        return f"<ConsoleUser {self.username} {self.role}>"


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of the database
    does not let anyone sign in. `csrf_token` must come back with every form and API call of the session."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    token_hash: Mapped[str] = Column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = Column(
        Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    ip: Mapped[str | None] = Column(String(64))


class SignInAttempt(Base):
    """A sign-in try, kept for throttling (too many failures for a name or from an address lock it out for a
    while) and purged with the rest of the personal data."""

    __tablename__ = "console_sign_in_attempts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    username: Mapped[str] = Column(String(64), nullable=False, index=True)
    ip: Mapped[str | None] = Column(String(64), index=True)
    succeeded: Mapped[bool] = Column(Boolean, nullable=False)


class AuditEntry(Base):
    """Who signed in, viewed, changed or exported what, and when. Ticket moves have their own trail
    (`TicketEvent`); this one covers the console's people and pages."""

    __tablename__ = "console_audit"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = Column(Integer, ForeignKey("console_users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = Column(String(64), nullable=False)
    role: Mapped[str | None] = Column(String(8))
    action: Mapped[str] = Column(String(32), nullable=False)
    object_type: Mapped[str | None] = Column(String(32))
    object_id: Mapped[str | None] = Column(String(64))
    detail: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    ip: Mapped[str | None] = Column(String(64))

    __table_args__ = (Index("ix_console_audit_object", "object_type", "object_id"),)
