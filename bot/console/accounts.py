"""Console accounts: users and roles, sign-in with throttling, and server-side sessions.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, with a CSRF token that
every form and API call of the session must echo. Sessions live in the shared database, so several console
processes behind a load balancer need no sticky sessions.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk import audit
from bot.console.config import ConsoleSettings
from bot.console.passwords import DUMMY_HASH, check_strength, hash_password, needs_rehash, verify_password
from bot.desk.fields import strip_control
from bot.desk.schema import USER_ROLES, ConsoleSession, ConsoleUser, Expert, SignInAttempt

log = logging.getLogger(__name__)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
ROLE_LABELS = {"staff": "热线坐席", "expert": "专家顾问", "admin": "管理员", "editor": "知识编辑"}
#: Update `last_seen_at` at most this often: a page load should not always be a write.
TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request about accounts the console refuses; the message is fit to show on the form."""


class SignInError(AccountError):
    pass


@dataclass(frozen=True)
class Principal:
    """The signed-in person, as every page and audit entry needs them."""

    user_id: int
    username: str
    display_name: str
    role: str
    expert_id: int | None
    session_id: int
    csrf_token: str
    ip: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_staff(self) -> bool:
        """Staff and admins work the hotline: calls, tickets, figures."""
        return self.role in ("staff", "admin")

    @property
    def sees_phone_numbers(self) -> bool:
        """Staff call enterprises back and admins oversee; experts answer through the desk and do not need them."""
        return self.role in ("staff", "admin")


class Accounts:
    def __init__(self, sessions: sessionmaker, clock: Clock, settings: ConsoleSettings) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings

    # ----------------------------------------------------------------------------------------------------------
    # Users

    def create_user(
        self,
        username: str,
        display_name: str,
        role: str,
        password: str,
        *,
        expert_id: int | None = None,
        actor: Principal | None = None,
        actor_name: str | None = None,
    ) -> ConsoleUser:
        username = (username or "").strip().lower()
        display_name = (display_name or "").strip()
        if not USERNAME.match(username):
            raise AccountError("用户名须为 3–64 位小写字母、数字或 . _ -，且以字母或数字开头")
        if not display_name or len(display_name) > 100:
            raise AccountError("请填写姓名（不超过 100 字）")
        if role not in USER_ROLES:
            raise AccountError(f"角色须为 {'、'.join(ROLE_LABELS[r] for r in USER_ROLES)} 之一")
        if role == "expert" and expert_id is None:
            raise AccountError("专家账号须关联专家库中的一位专家")
        if role != "expert":
            expert_id = None
        check_strength(password, username=username)
        now = self.clock.now()
        with self.sessions.begin() as session:
            if session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == username)) is not None:
                raise AccountError(f"用户名 {username} 已被使用")
            if expert_id is not None:
                if session.get(Expert, expert_id) is None:
                    raise AccountError(f"专家库中没有编号为 {expert_id} 的专家")
                if session.scalar(select(ConsoleUser.id).where(ConsoleUser.expert_id == expert_id)) is not None:
                    raise AccountError("这位专家已有账号")
            user = ConsoleUser(
                username=username,
                display_name=display_name,
                role=role,
                password_hash=hash_password(password),
                expert_id=expert_id,
                active=True,
                created_at=now,
                updated_at=now,
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                actor,
                "create",
                at=now,
                object_type="user",
                object_id=user.id,
                detail={"username": username, "role": role, "expert_id": expert_id},
                username=actor_name,
            )
        log.info("console: user %s (%s) created by %s", username, role, actor.username if actor else actor_name)
        return user

    def users(self) -> list[ConsoleUser]:
        with self.sessions() as session:
            return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.role, ConsoleUser.username)))

    def set_password(
        self, user_id: int, password: str, *, actor: Principal | None = None, actor_name: str | None = None
    ) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            user = session.get(ConsoleUser, user_id)
            if user is None:
                raise AccountError("没有这个账号")
            check_strength(password, username=user.username)
            user.password_hash = hash_password(password)
            user.updated_at = now
            # A new password ends every session of the account: whoever knew the old one is out.
            session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
            audit.record(
                session,
                actor,
                "change",
                at=now,
                object_type="user",
                object_id=user_id,
                detail={"password": "reset"},
                username=actor_name,
            )

    def set_active(self, user_id: int, active: bool, *, actor: Principal) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            user = session.get(ConsoleUser, user_id)
            if user is None:
                raise AccountError("没有这个账号")
            if user.id == actor.user_id and not active:
                raise AccountError("不能停用自己的账号")
            user.active = active
            user.updated_at = now
            if not active:
                session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
            audit.record(
                session, actor, "change", at=now, object_type="user", object_id=user_id, detail={"active": active}
            )

    # ----------------------------------------------------------------------------------------------------------
    # Signing in and out

    def sign_in(self, username: str, password: str, *, ip: str | None = None) -> tuple[Principal, str]:
        """The principal and the cookie token for a right name and password; SignInError otherwise.

        The message never says whether the name exists. Throttling slows guessing without locking anyone out
        (`wait_before_try`): failures cost nothing up to a point, then each doubles the wait before the next try.
        The check and the record of the try are one step under a lock per name and address (`_serialise`), so
        concurrent tries are counted one after another: twelve at once get exactly the free tries, no more. The
        try is recorded as failed before the password is checked and turned into a success after, so a try in
        flight counts against the next one.
        """
        # What was typed is looked up and recorded (for throttling and the trail) without control characters: a NUL
        # is not a character PostgreSQL stores, and no valid name has one.
        username = strip_control(username or "").strip().lower()[:64]
        password = password or ""
        now = self.clock.now()
        with self.sessions.begin() as session:
            _serialise(session, username, ip)
            wait = self.wait_before_try(session, username, ip, now)
            if wait > timedelta(0):
                audit.record(
                    session,
                    None,
                    "sign_in_throttled",
                    at=now,
                    object_type="user",
                    object_id=username,
                    ip=ip,
                    username=username,
                    detail={"wait_seconds": int(wait.total_seconds() + 0.999)},
                )
                attempt_id = None
            else:
                attempt = SignInAttempt(at=now, username=username, ip=ip, succeeded=False)
                session.add(attempt)
                session.flush()
                attempt_id = attempt.id
        if attempt_id is None:
            log.warning("console: sign-in for %r from %s throttled for %s", username, ip, wait)
            raise SignInError(f"尝试次数过多，请 {_spoken(wait)}后再试")

        with self.sessions.begin() as session:
            user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))
            ok = (
                verify_password(password, user.password_hash if user else DUMMY_HASH)
                and user is not None
                and user.active
            )
            if not ok:
                audit.record(
                    session,
                    None,
                    "sign_in_failed",
                    at=now,
                    object_type="user",
                    object_id=username,
                    ip=ip,
                    username=username,
                )
                failed = True
            else:
                failed = False
                session.execute(update(SignInAttempt).where(SignInAttempt.id == attempt_id).values(succeeded=True))
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                user.last_sign_in_at = now
                token = secrets.token_urlsafe(32)
                record = ConsoleSession(
                    token_hash=_digest(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.settings.session_lifetime,
                    ip=ip,
                )
                session.add(record)
                session.flush()
                principal = _principal(user, record, ip)
                audit.record(session, principal, "sign_in", at=now, object_type="user", object_id=user.id)
        if failed:
            log.info("console: failed sign-in for %r from %s", username, ip)
            raise SignInError("用户名或密码不正确")
        log.info("console: %s signed in from %s", username, ip)
        return principal, token

    def wait_before_try(self, session: Session, username: str, ip: str | None, now: datetime) -> timedelta:
        """How long a sign-in for `username` from `ip` must still wait (zero: it may try now).

        - Per name: `max_failures` failures since its last success (within `failure_window`) are free; after
          that each failure doubles the wait after it, from one second up to `lockout`. An address the name
          has signed in from within `KNOWN_ADDRESS_FOR` counts only its own failures for it, so nobody elsewhere
          can keep the admin out of their own office by guessing at the admin's name.
        - Per address: three times as many failures (over all names) are free, then the same doubling; a name
          signing in from an address it is known at is exempt, so one guesser behind an office's NAT does not
          keep out colleagues who have signed in there before.
        """
        settings = self.settings
        since = now - settings.failure_window
        known = (
            ip is not None
            and session.scalar(
                select(SignInAttempt.id)
                .where(
                    SignInAttempt.username == username,
                    SignInAttempt.ip == ip,
                    SignInAttempt.succeeded.is_(True),
                    SignInAttempt.at >= now - KNOWN_ADDRESS_FOR,
                )
                .limit(1)
            )
            is not None
        )
        last_success = session.scalar(
            select(func.max(SignInAttempt.id)).where(
                SignInAttempt.username == username, SignInAttempt.succeeded.is_(True)
            )
        )
        by_name = [
            SignInAttempt.username == username,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.at >= since,
            SignInAttempt.id > (last_success or 0),
        ]
        if known:
            by_name.append(SignInAttempt.ip == ip)
        ready = _ready(session, by_name, settings.max_failures, settings.lockout)
        if ip is not None and not known:
            by_address = [SignInAttempt.ip == ip, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since]
            ready = max(ready, _ready(session, by_address, 3 * settings.max_failures, settings.lockout))
        return max(ready - now, timedelta(0)) if ready is not None else timedelta(0)

    def resolve(self, token: str | None, *, ip: str | None = None) -> Principal | None:
        """The principal of a live session, or None (no cookie, unknown token, expired, idle too long, account
        deactivated)."""
        if not token or len(token) > 200:
            return None
        now = self.clock.now()
        with self.sessions() as session:
            row = session.execute(
                select(ConsoleSession, ConsoleUser)
                .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
                .where(ConsoleSession.token_hash == _digest(token))
            ).first()
            if row is None:
                return None
            record, user = row
            if not user.active or now >= record.expires_at or now - record.last_seen_at >= self.settings.session_idle:
                return None
            principal = _principal(user, record, ip)
        if now - record.last_seen_at >= TOUCH_EVERY:
            with self.sessions.begin() as session:
                live = session.get(ConsoleSession, record.id)
                if live is not None:
                    live.last_seen_at = now
        return principal

    def sign_out(self, principal: Principal) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.id == principal.session_id))
            audit.record(session, principal, "sign_out", at=now, object_type="user", object_id=principal.user_id)

    def forget_expired(self) -> int:
        """Delete sessions that can no longer be used; returns how many."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            result = session.execute(
                delete(ConsoleSession).where(
                    (ConsoleSession.expires_at <= now)
                    | (ConsoleSession.last_seen_at <= now - self.settings.session_idle)
                )
            )
            return result.rowcount or 0


#: An address a name has signed in from within this long is "known" for it (see `Accounts.wait_before_try`).
KNOWN_ADDRESS_FOR = timedelta(days=30)


def progressive_wait(failures: int, free: int, cap: timedelta) -> timedelta:
    """No wait for the first `free` failures; then one second, doubling with each further failure, up to `cap`."""
    if failures < free:
        return timedelta(0)
    return min(cap, timedelta(seconds=2 ** min(failures - free, 30)))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _ready(session: Session, conditions: list[Any], free: int, cap: timedelta) -> datetime:
    """When the next try is allowed after the failures matching `conditions`."""
    count, last = session.execute(select(func.count(), func.max(SignInAttempt.at)).where(*conditions)).one()
    if not count or last is None:
        return _EPOCH
    return last + progressive_wait(count, free, cap)


def _serialise(session: Session, username: str, ip: str | None) -> None:
    """Make the throttling check and the record of the try one step: on PostgreSQL, transaction-scoped advisory
    locks on the name and then the address (always in that order, so two tries cannot wait on each other); on
    SQLite every transaction is already `BEGIN IMMEDIATE`, one writer at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in (f"sign-in:name:{username}", f"sign-in:ip:{ip}" if ip else None):
        if key is not None:
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _spoken(wait: timedelta) -> str:
    """ "3 秒" or "2 分钟": how long to wait, rounded up."""
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return f"{seconds} 秒" if seconds < 60 else f"{(seconds + 59) // 60} 分钟"


def _principal(user: ConsoleUser, record: ConsoleSession, ip: str | None) -> Principal:
    return Principal(
        user.id, user.username, user.display_name, user.role, user.expert_id, record.id, record.csrf_token, ip
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
