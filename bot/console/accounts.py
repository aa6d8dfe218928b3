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
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock
from bot.desk import audit
from bot.console.config import ConsoleSettings
from bot.console.passwords import DUMMY_HASH, check_strength, hash_password, needs_rehash, verify_password
from bot.desk.fields import strip_control
from bot.desk.models import USER_ROLES, ConsoleSession, ConsoleUser, Expert, SignInAttempt

log = logging.getLogger(__name__)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
ROLE_LABELS = {"staff": "热线坐席", "expert": "专家顾问", "admin": "管理员"}
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
        self, username: str, display_name: str, role: str, password: str, *, expert_id: int | None = None,
        actor: Principal | None = None, actor_name: str | None = None,
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
            user = ConsoleUser(username=username, display_name=display_name, role=role,
                               password_hash=hash_password(password), expert_id=expert_id, active=True,
                               created_at=now, updated_at=now)
            session.add(user)
            session.flush()
            audit.record(session, actor, "create", at=now, object_type="user", object_id=user.id,
                         detail={"username": username, "role": role, "expert_id": expert_id}, username=actor_name)
        log.info("console: user %s (%s) created by %s", username, role, actor.username if actor else actor_name)
        return user

    def users(self) -> list[ConsoleUser]:
        with self.sessions() as session:
            return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.role, ConsoleUser.username)))

    def set_password(self, user_id: int, password: str, *, actor: Principal | None = None,
                     actor_name: str | None = None) -> None:
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
            audit.record(session, actor, "change", at=now, object_type="user", object_id=user_id,
                         detail={"password": "reset"}, username=actor_name)

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
            audit.record(session, actor, "change", at=now, object_type="user", object_id=user_id,
                         detail={"active": active})

    # ----------------------------------------------------------------------------------------------------------
    # Signing in and out

    def sign_in(self, username: str, password: str, *, ip: str | None = None) -> tuple[Principal, str]:
        """The principal and the cookie token for a right name and password; SignInError otherwise.

        The message never says whether the name exists. Throttling counts failures per name and per address
        within the lockout window, so guessing one account's password and spraying one password over many
        accounts are both slowed down.
        """
        # What was typed is looked up and recorded (for throttling and the trail) without control characters: a NUL
        # is not a character PostgreSQL stores, and no valid name has one.
        username = strip_control(username or "").strip().lower()[:64]
        password = password or ""
        now = self.clock.now()
        since = now - self.settings.lockout
        with self.sessions.begin() as session:
            by_name = session.scalar(select(func.count()).select_from(SignInAttempt).where(
                SignInAttempt.username == username, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since))
            by_ip = session.scalar(select(func.count()).select_from(SignInAttempt).where(
                SignInAttempt.ip == ip, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since)) if ip else 0
            if by_name >= self.settings.max_failures or by_ip >= 3 * self.settings.max_failures:
                audit.record(session, None, "sign_in_throttled", at=now, object_type="user", object_id=username,
                             ip=ip, username=username)
                minutes = int(self.settings.lockout.total_seconds() // 60)
                log.warning("console: sign-in for %r from %s throttled (%d/%d recent failures)", username, ip, by_name, by_ip)
                throttled = SignInError(f"尝试次数过多，请 {minutes} 分钟后再试")
            else:
                throttled = None
        if throttled is not None:
            raise throttled

        with self.sessions.begin() as session:
            user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))
            ok = verify_password(password, user.password_hash if user else DUMMY_HASH) and user is not None and user.active
            session.add(SignInAttempt(at=now, username=username, ip=ip, succeeded=ok))
            if not ok:
                audit.record(session, None, "sign_in_failed", at=now, object_type="user", object_id=username, ip=ip,
                             username=username)
                failed = True
            else:
                failed = False
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                user.last_sign_in_at = now
                token = secrets.token_urlsafe(32)
                record = ConsoleSession(token_hash=_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                                        created_at=now, last_seen_at=now, expires_at=now + self.settings.session_lifetime,
                                        ip=ip)
                session.add(record)
                session.flush()
                principal = _principal(user, record, ip)
                audit.record(session, principal, "sign_in", at=now, object_type="user", object_id=user.id)
        if failed:
            log.info("console: failed sign-in for %r from %s", username, ip)
            raise SignInError("用户名或密码不正确")
        log.info("console: %s signed in from %s", username, ip)
        return principal, token

    def resolve(self, token: str | None, *, ip: str | None = None) -> Principal | None:
        """The principal of a live session, or None (no cookie, unknown token, expired, idle too long, account
        deactivated)."""
        if not token or len(token) > 200:
            return None
        now = self.clock.now()
        with self.sessions() as session:
            row = session.execute(
                select(ConsoleSession, ConsoleUser).join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
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
            result = session.execute(delete(ConsoleSession).where(
                (ConsoleSession.expires_at <= now) | (ConsoleSession.last_seen_at <= now - self.settings.session_idle)))
            return result.rowcount or 0


def _principal(user: ConsoleUser, record: ConsoleSession, ip: str | None) -> Principal:
    return Principal(user.id, user.username, user.display_name, user.role, user.expert_id, record.id,
                     record.csrf_token, ip)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
