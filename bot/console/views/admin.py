"""Administration: console accounts (open one, reset its password, deactivate it) and the audit trail with its
CSV export. Admins only; staff and experts get a 403.

The account rules (user names, password strength, one account per expert, not deactivating oneself) live in
`Accounts`, whose messages are shown on the form as they come; the pages only gather the input and keep what
was typed, except the password, which is never sent back to the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.sql import Select

from bot.desk import audit
from bot.console.accounts import ROLE_LABELS, AccountError, Principal
from bot.console.context import ConsoleContext
from bot.console.csvexport import csv_response
from bot.console.filters import FilterFields, FilterQuery, Problems, equal_where_given, on_days
from bot.console.passwords import PasswordError
from bot.console.web import blocking, context, error_page, principal, redirect, render, require
from bot.desk.schema import USER_ROLES, AuditEntry, ConsoleUser, Expert

routes = web.RouteTableDef()
ADMIN = ("admin",)
AUDIT_LIST_LIMIT = 500
AUDIT_EXPORT_LIMIT = 100_000

ACTION_LABELS = audit.ACTION_LABELS
OBJECT_LABELS = {
    "user": "账号",
    "call": "来电",
    "calls": "来电记录",
    "ticket": "工单",
    "tickets": "工单列表",
    "outbox": "消息",
    "audit": "审计日志",
    "retention": "个人信息保存期限",
    "warning": "预警",
    "exhibition": "展会登记",
    "page": "页面",
    "enterprise": "企业（应其要求）",
}


# --------------------------------------------------------------------------------------------------------------
# Accounts


@dataclass(frozen=True)
class AccountRow:
    user: ConsoleUser
    expert_name: str | None


@routes.get("/admin/users")
@require(*ADMIN)
async def list_users(request: web.Request) -> web.Response:
    return await _users_page(request)


@routes.post("/admin/users")
@require(*ADMIN)
async def create_user(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    form = await request.post()
    values = {name: str(form.get(name) or "").strip() for name in ("username", "display_name", "role", "expert_id")}
    raw_expert = values["expert_id"]
    expert_id = int(raw_expert) if raw_expert.isdigit() and len(raw_expert) < 10 else None
    try:
        if values["role"] == "expert" and raw_expert and expert_id is None:
            raise AccountError("请选择专家库中的专家")
        user = await blocking(
            ctx.accounts.create_user,
            values["username"],
            values["display_name"],
            values["role"],
            str(form.get("password") or ""),
            expert_id=expert_id,
            actor=me,
        )
    except (AccountError, PasswordError) as error:
        return await _users_page(request, status=422, values=values, create_error=str(error))
    raise redirect(
        "/admin/users",
        flash=f"已新建账号 {user.username}（{ROLE_LABELS[user.role]}），请把初始密码当面或电话告知本人。",
    )


@routes.post("/admin/users/{id:\\d{1,9}}/password")
@require(*ADMIN)
async def reset_password(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    user = await _user_or_404(request)
    form = await request.post()
    try:
        await blocking(ctx.accounts.set_password, user.id, str(form.get("password") or ""), actor=me)
    except (AccountError, PasswordError) as error:
        return await _users_page(request, status=422, row_errors={user.id: str(error)})
    raise redirect("/admin/users", flash=f"已重设 {user.username} 的密码，其已登录的会话均已退出。")


@routes.post("/admin/users/{id:\\d{1,9}}/active")
@require(*ADMIN)
async def set_active(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    user = await _user_or_404(request)
    form = await request.post()
    active = form.get("active") == "1"
    try:
        await blocking(ctx.accounts.set_active, user.id, active, actor=me)
    except AccountError as error:
        return await _users_page(request, status=409, row_errors={user.id: str(error)})
    raise redirect(
        "/admin/users",
        flash=f"已启用账号 {user.username}。" if active else f"已停用账号 {user.username}，其已登录的会话均已退出。",
    )


async def _user_or_404(request: web.Request) -> ConsoleUser:
    ctx = context(request)
    user_id = int(request.match_info["id"])

    def load() -> ConsoleUser | None:
        with ctx.sessions() as session:
            return session.get(ConsoleUser, user_id)

    user = await blocking(load)
    if user is None:
        raise web.HTTPNotFound()
    return user


async def _users_page(
    request: web.Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    create_error: str | None = None,
    row_errors: dict[int, str] | None = None,
) -> web.Response:
    ctx = context(request)

    def load() -> tuple[list[AccountRow], list[Any]]:
        with ctx.sessions() as session:
            rows = [
                AccountRow(user, name)
                for user, name in session.execute(
                    select(ConsoleUser, Expert.name)
                    .outerjoin(Expert, Expert.id == ConsoleUser.expert_id)
                    .order_by(ConsoleUser.active.desc(), ConsoleUser.role, ConsoleUser.username)
                ).all()
            ]
            linked = {row.user.expert_id for row in rows if row.user.expert_id is not None}
            experts = [
                e
                for e in session.execute(
                    select(Expert.id, Expert.name, Expert.organisation).order_by(Expert.name, Expert.id)
                ).all()
                if e.id not in linked
            ]
        return rows, experts

    rows, experts = await blocking(load)
    return render(
        request,
        "admin/users.html",
        status=status,
        rows=rows,
        experts=experts,
        roles=ROLE_LABELS,
        role_order=USER_ROLES,
        values=values or {},
        create_error=create_error,
        row_errors=row_errors or {},
    )


# --------------------------------------------------------------------------------------------------------------
# The audit trail


@dataclass(frozen=True)
class AuditFilter(FilterFields):
    """The audit page's filters; every one given must match."""

    date_from: date | None = None
    date_to: date | None = None
    user: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> tuple["AuditFilter", Problems]:
        """The filter from a query string, and what was ignored because it was malformed (shown above the list)."""
        read = (
            FilterQuery(query)
            .dates("date_from", "date_to")
            .choice("action", audit.ACTIONS, "操作类型")
            .texts("user", limit=64, lower=True)
            .texts("object_type", "object_id", limit=64)
        )
        return cls(**read.values), read.problems

    def statement(self, zone: ZoneInfo) -> Select:
        statement = select(AuditEntry).where(
            *on_days(AuditEntry.at, self.date_from, self.date_to, zone),
            *equal_where_given(
                [
                    (AuditEntry.username, self.user),
                    (AuditEntry.action, self.action),
                    (AuditEntry.object_type, self.object_type),
                    (AuditEntry.object_id, self.object_id),
                ]
            ),
        )
        return statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _search_audit(
    ctx: ConsoleContext, filters: AuditFilter, limit: int, *, viewer: Principal, action: str
) -> list[AuditEntry]:
    """The matching entries, newest first, and an entry that `viewer` looked at or exported them (the trail holds
    who did what from which address)."""
    with ctx.sessions.begin() as session:
        entries = list(session.scalars(filters.statement(ctx.desk_settings.hours.zone).limit(limit)))
        audit.record(
            session,
            viewer,
            action,
            at=ctx.clock.now(),
            object_type="audit",
            detail={"filters": filters.as_query(), "rows": len(entries)},
        )
    return entries


@routes.get("/admin/audit")
@require(*ADMIN)
async def show_audit(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    filters, problems = AuditFilter.parse(request.query)
    entries = await blocking(_search_audit, ctx, filters, AUDIT_LIST_LIMIT, viewer=me, action="view")

    def usernames() -> list[str]:
        with ctx.sessions() as session:
            return list(session.scalars(select(ConsoleUser.username).order_by(ConsoleUser.username)))

    return render(
        request,
        "admin/audit.html",
        status=400 if problems.refused else 200,
        entries=[_shown(e) for e in entries],
        filters=filters.as_query(),
        problems=problems,
        actions=ACTION_LABELS,
        object_types=OBJECT_LABELS,
        usernames=await blocking(usernames),
        limit=AUDIT_LIST_LIMIT,
    )


@routes.get("/admin/audit.csv")
@require(*ADMIN)
async def export_audit(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    filters, problems = AuditFilter.parse(request.query)
    if problems.refused:  # an export of something else than what was asked would be worse than none
        return error_page(request, 400, "筛选条件有误，未导出：" + "；".join(problems.values()))
    entries = await blocking(_search_audit, ctx, filters, AUDIT_EXPORT_LIMIT, viewer=me, action="export")
    zone = ctx.desk_settings.hours.zone
    header = ["编号", "时间（北京时间）", "用户", "角色", "操作", "对象类型", "对象", "详情", "IP"]
    return csv_response(
        "审计日志.csv",
        header,
        (
            [
                e.id,
                e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                e.username,
                ROLE_LABELS.get(e.role or "", e.role),
                ACTION_LABELS.get(e.action, e.action),
                OBJECT_LABELS.get(e.object_type or "", e.object_type),
                e.object_id,
                _detail(e.detail),
                e.ip,
            ]
            for e in entries
        ),
    )


def _shown(entry: AuditEntry) -> dict[str, Any]:
    return {
        "entry": entry,
        "role": ROLE_LABELS.get(entry.role or "", entry.role or ""),
        "action": ACTION_LABELS.get(entry.action, entry.action),
        "object_type": OBJECT_LABELS.get(entry.object_type or "", entry.object_type or ""),
        "detail": _detail(entry.detail),
    }


def _detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""
