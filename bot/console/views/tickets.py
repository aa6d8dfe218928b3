"""Escalation tickets for staff: the list with filters, its CSV export, and one ticket with its whole history,
where staff assign it to an expert, close it or reopen it."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web
from sqlalchemy import select

from bot.desk.privacy import shown_contact
from bot.console.tickets import (
    CHANNEL_LABELS,
    EVENT_LABELS,
    MESSAGE_KINDS,
    OUTBOX_STATUS_LABELS,
    TicketBoard,
    TicketFilter,
    TicketFormError,
    clean_reason,
    desk_problem,
)
from bot.console.csvexport import csv_response
from bot.console.web import (
    TICKET_STATUS_LABELS,
    blocking,
    context,
    error_page,
    principal,
    redirect,
    render,
    require,
)
from bot.desk.tickets import DeskError
from bot.desk.schema import Expert

routes = web.RouteTableDef()
STAFF = ("staff", "admin")
NUMBER = "{number:[A-Za-z0-9-]{1,20}}"
STATUS_OPTIONS = {**TICKET_STATUS_LABELS, "follow_up": "待回访", "overdue": "逾期未受理"}
#: What the pages call the people and processes that move tickets.
LABELS: dict[str, Any] = {
    "channels": CHANNEL_LABELS,
    "events": EVENT_LABELS,
    "kinds": MESSAGE_KINDS,
    "outbox_statuses": OUTBOX_STATUS_LABELS,
}


def board(request: web.Request) -> TicketBoard:
    """The ticket service over this console's database, clock and desk (cheap: it holds only references)."""
    ctx = context(request)
    return TicketBoard(ctx.sessions, ctx.clock, ctx.desk)


def actor(request: web.Request) -> str:
    """How the desk's trail names the signed-in person (it allows 64 characters)."""
    me = principal(request)
    return f"{me.role}:{me.username}"[:64]


@routes.get("/tickets")
@require(*STAFF)
async def list_tickets(request: web.Request) -> web.Response:
    filters, problems = TicketFilter.parse(request.query)
    rows = await blocking(board(request).search, filters)
    return render(
        request,
        "tickets/list.html",
        status=400 if problems.refused else 200,
        rows=rows,
        filters=filters.as_query(),
        problems=problems,
        statuses=STATUS_OPTIONS,
        **LABELS,
        **await _filter_options(request),
    )


@routes.get("/tickets.csv")
@require(*STAFF)
async def export_tickets(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    filters, problems = TicketFilter.parse(request.query)
    if problems.refused:  # an export of something else than what was asked would be worse than none
        return error_page(request, 400, "筛选条件有误，未导出：" + "；".join(problems.values()))
    full = request.query.get("full") == "1" and me.sees_phone_numbers
    tickets = board(request)
    rows = await blocking(tickets.search, filters, limit=100_000)
    await blocking(tickets.record_export, me, filters, len(rows), full)
    zone = ctx.desk_settings.hours.zone

    def at(value: Any) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    header = [
        "工单号",
        "建立时间",
        "状态",
        "紧急程度",
        "渠道",
        "企业",
        "联系人",
        "联系方式",
        "国家/地区",
        "知识产权类型",
        "纠纷类型",
        "行业",
        "企业期限",
        "案情",
        "专家",
        "受理时限",
        "受理时间",
        "答复时间",
        "关闭时间",
        "评分",
        "来电",
    ]
    return csv_response(
        "工单.csv",
        header,
        (
            [
                t.number,
                at(t.created_at),
                TICKET_STATUS_LABELS.get(t.status, t.status),
                {"urgent": "紧急", "normal": "普通"}.get(t.priority, t.priority),
                CHANNEL_LABELS.get(t.channel, t.channel),
                t.company,
                t.contact_name,
                shown_contact(t.contact, full=full),
                t.country,
                t.ip_type,
                t.dispute_type,
                t.industry,
                t.deadline,
                t.description,
                r.expert_name,
                at(t.sla_due_at),
                at(t.accepted_at),
                at(t.answered_at),
                at(t.closed_at),
                t.rating,
                r.call_id,
            ]
            for r in rows
            for t in (r.ticket,)
        ),
    )


@routes.get(f"/tickets/{NUMBER}")
@require(*STAFF)
async def show_ticket(request: web.Request) -> web.Response:
    tickets = board(request)
    detail = await blocking(tickets.detail, request.match_info["number"], principal(request))
    pool = await blocking(tickets.pool)
    return render(
        request, "tickets/detail.html", d=detail, t=detail.ticket, pool=pool, now=context(request).clock.now(), **LABELS
    )


@routes.post(f"/tickets/{NUMBER}/assign")
@require(*STAFF)
async def assign(request: web.Request) -> web.StreamResponse:
    async def move(form: Any, number: str, reason: str) -> str:
        expert_id = _expert_id(form, "请选择专家")
        ticket = await blocking(context(request).desk.assign, number, expert_id, actor(request), reason)
        return f"已分配给专家（{ticket.expert_id}），等待受理。"

    return await _staff_move(request, "assign", "分配", move)


@routes.post(f"/tickets/{NUMBER}/allow-contact")
@require(*STAFF)
async def allow_contact(request: web.Request) -> web.StreamResponse:
    """The enterprise told staff it agrees to be contacted directly by the expert who accepted its case."""

    async def move(form: Any, number: str, reason: str) -> str:
        expert_id = _expert_id(form, "没有受理专家")
        await blocking(context(request).desk.allow_direct_contact, number, expert_id, actor(request), reason)
        return "已记录：企业同意受理专家直接联系，该专家现在可以看到完整联系方式。"

    return await _staff_move(request, "allow_contact", "记录企业同意", move)


@routes.post(f"/tickets/{NUMBER}/close")
@require(*STAFF)
async def close(request: web.Request) -> web.StreamResponse:
    async def move(form: Any, number: str, reason: str) -> str:
        await blocking(context(request).desk.close, number, actor(request), reason)
        return "工单已关闭。"

    return await _staff_move(request, "close", "关闭", move)


@routes.post(f"/tickets/{NUMBER}/reopen")
@require(*STAFF)
async def reopen(request: web.Request) -> web.StreamResponse:
    async def move(form: Any, number: str, reason: str) -> str:
        ticket = await blocking(context(request).desk.reopen, number, actor(request), reason)
        return f"工单已重开，当前状态：{TICKET_STATUS_LABELS.get(ticket.status, ticket.status)}。"

    return await _staff_move(request, "reopen", "重开", move)


def _expert_id(form: Any, missing: str) -> int:
    raw = str(form.get("expert_id") or "").strip()
    if not raw.isdigit() or len(raw) > 9:
        raise TicketFormError({"expert_id": missing})
    return int(raw)


async def _staff_move(
    request: web.Request, action: str, doing: str, move: Callable[[Any, str, str], Awaitable[str]]
) -> web.StreamResponse:
    """Check the reason, let the desk make the move, audit it; whatever refuses it comes back as a message on the
    ticket's page, with the ticket unchanged."""
    number = request.match_info["number"].upper()
    form = await request.post()
    back = f"/tickets/{number}"
    try:
        reason = clean_reason(str(form.get("reason") or ""))
        done = await move(form, number, reason)
    except TicketFormError as error:
        raise redirect(back, flash=f"未能{doing}：" + "；".join(error.errors.values()))
    except DeskError as error:
        raise redirect(
            "/tickets" if error.code == "not_found" else back, flash=desk_problem(error, doing, TICKET_STATUS_LABELS)
        )
    detail: dict[str, Any] = {"reason": reason}
    if action in ("assign", "allow_contact"):
        detail["expert_id"] = int(str(form.get("expert_id")))
    await blocking(board(request).record_move, principal(request), action, number, detail)
    raise redirect(back, flash=done)


async def _filter_options(request: web.Request) -> dict[str, Any]:
    ctx = context(request)

    def experts() -> list[Any]:
        with ctx.sessions() as session:
            return session.execute(select(Expert.id, Expert.name).order_by(Expert.name, Expert.id)).all()

    vocabulary = ctx.vocabulary.entities
    return {
        "experts": await blocking(experts),
        "channel_values": await blocking(board(request).channels),
        "countries": list(vocabulary.get("country", {})),
        "ip_types": list(vocabulary.get("ip_type", {})),
        "dispute_types": list(vocabulary.get("dispute_type", {})),
    }
