"""Hotline calls: log one (with the live suggestion), read and edit it, escalate it, follow it up, list, export."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.desk import audit
from bot.console.calls import CHANNEL_LABELS, CallFilter, CallForm, CallFormError
from bot.console.csvexport import csv_response
from bot.desk.privacy import shown_contact
from bot.console.topics import TOPICS, topic_label
from bot.console.web import HTTP, blocking, context, error_page, principal, redirect, render, require
from bot.desk.tickets import DeskError
from bot.desk.schema import ConsoleUser, Expert

routes = web.RouteTableDef()
STAFF = ("staff", "admin")


@routes.get("/calls/new")
@require(*STAFF)
async def new_call(request: web.Request) -> web.Response:
    return render(request, "calls/new.html", **await _form_options(request), values={}, errors={})


@routes.post("/calls")
@require(*STAFF)
async def create_call(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    form = await request.post()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        call_form = CallForm.parse(values, today=ctx.calls.today())
    except CallFormError as error:
        return render(
            request, "calls/new.html", status=422, **await _form_options(request), values=values, errors=error.errors
        )
    suggestion = await ctx.suggester.suggest(request.app[HTTP], call_form.question)
    call = await blocking(ctx.calls.log_call, call_form, suggestion, me)
    edited = values.get("answer", "").strip()
    given = values.get("given") == "1"
    if edited or given:
        try:
            await blocking(ctx.calls.record_answer, call.id, edited or call.answer or "", me, given=given)
        except CallFormError:
            pass  # an empty answer with "given" ticked: the call is saved; the detail page asks again
    if values.get("then") == "escalate":
        return await _escalate(
            request, call.id, priority=_default_priority(suggestion.intent), deadline=None, description=None
        )
    raise redirect(f"/calls/{call.id}", flash=f"来电 #{call.id} 已保存。")


@routes.get("/calls/{id:\\d{1,9}}")
@require(*STAFF)
async def show_call(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    call_id = int(request.match_info["id"])
    row = await blocking(ctx.calls.get, call_id, me)
    history = await blocking(ctx.calls.history, call_id)
    kb = ctx.knowledge.get()
    sources = [(ref, kb.get(ref)) for ref in row.call.suggested_sources]
    return render(
        request,
        "calls/detail.html",
        row=row,
        call=row.call,
        history=history,
        sources=sources,
        errors={},
        channel_labels=CHANNEL_LABELS,
        default_priority=_default_priority(row.call.intent),
    )


@routes.post("/calls/{id:\\d{1,9}}/answer")
@require(*STAFF)
async def save_answer(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    call_id = int(request.match_info["id"])
    form = await request.post()
    given = form.get("given") == "1"
    try:
        await blocking(ctx.calls.record_answer, call_id, str(form.get("answer") or ""), me, given=given)
    except CallFormError as error:
        raise redirect(f"/calls/{call_id}", flash=error.errors.get("answer", "答复未保存"))
    raise redirect(f"/calls/{call_id}", flash="答复已保存，并标记为已告知来电人。" if given else "答复已保存。")


@routes.post("/calls/{id:\\d{1,9}}/follow-up")
@require(*STAFF)
async def save_follow_up(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    call_id = int(request.match_info["id"])
    form = await request.post()
    try:
        await blocking(
            ctx.calls.update_follow_up,
            call_id,
            me,
            notes=_text(form.get("notes")),
            follow_up_on=_text(form.get("follow_up_on")),
            done=form.get("done") == "1",
        )
    except CallFormError as error:
        raise redirect(f"/calls/{call_id}", flash="；".join(error.errors.values()))
    raise redirect(f"/calls/{call_id}", flash="回访信息已更新。")


@routes.post("/calls/{id:\\d{1,9}}/escalate")
@require(*STAFF)
async def escalate(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    deadline: date | None = None
    raw = str(form.get("deadline") or "").strip()
    call_id = int(request.match_info["id"])
    if raw:
        try:
            deadline = date.fromisoformat(raw)
        except ValueError:
            raise redirect(f"/calls/{call_id}", flash="期限日期格式应为 2026-12-05，未转专家。")
    return await _escalate(
        request,
        call_id,
        priority=str(form.get("priority") or "normal"),
        deadline=deadline,
        description=_text(form.get("description")),
    )


async def _escalate(
    request: web.Request, call_id: int, *, priority: str, deadline: date | None, description: str | None
) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    try:
        ticket = await blocking(
            ctx.calls.escalate, call_id, me, priority=priority, deadline=deadline, description=description
        )
    except CallFormError as error:
        raise redirect(f"/calls/{call_id}", flash="未转专家：" + "；".join(error.errors.values()))
    except DeskError as error:
        raise redirect(f"/calls/{call_id}", flash=f"未转专家：{error}")
    assigned = "，已分配专家" if ticket.expert_id else "，暂无合适专家，已提醒人工分配"
    raise redirect(f"/calls/{call_id}", flash=f"已转为工单 {ticket.number}{assigned}。")


@routes.get("/calls")
@require(*STAFF)
async def list_calls(request: web.Request) -> web.Response:
    ctx = context(request)
    filters, problems = CallFilter.parse(request.query)
    rows = await blocking(ctx.calls.search, filters)
    return render(
        request,
        "calls/list.html",
        status=400 if problems.refused else 200,
        rows=rows,
        filters=filters.as_query(),
        problems=problems,
        statuses=CallFilter.STATUSES,
        **await _form_options(request),
    )


@routes.get("/calls.csv")
@require(*STAFF)
async def export_calls(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    filters, problems = CallFilter.parse(request.query)
    if problems.refused:  # an export of something else than what was asked would be worse than none
        return error_page(request, 400, "筛选条件有误，未导出：" + "；".join(problems.values()))
    full = request.query.get("full") == "1" and me.sees_phone_numbers
    rows = await blocking(ctx.calls.search, filters, limit=100_000)

    def record() -> None:
        with ctx.sessions.begin() as session:
            audit.record(
                session,
                me,
                "export",
                at=ctx.clock.now(),
                object_type="calls",
                detail={"filters": filters.as_query(), "rows": len(rows), "full_numbers": full},
            )

    await blocking(record)
    header = [
        "编号",
        "时间",
        "渠道",
        "企业",
        "来电人",
        "电话",
        "问题",
        "主题",
        "国家/地区",
        "知识产权类型",
        "引用来源",
        "状态",
        "工单",
        "专家",
        "坐席",
        "回访日期",
    ]
    zone = ctx.desk_settings.hours.zone
    return csv_response(
        "来电记录.csv",
        header,
        (
            [
                r.call.id,
                r.call.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                CHANNEL_LABELS[r.call.channel],
                r.call.company,
                r.call.caller_name,
                shown_contact(r.call.phone, full=full),
                r.call.question,
                topic_label(r.call.intent),
                r.call.country,
                r.call.ip_type,
                " ".join(r.call.suggested_sources),
                CallFilter.STATUSES.get(r.status),
                r.ticket_number,
                r.expert_name,
                r.staff_name,
                r.call.follow_up_on,
            ]
            for r in rows
        ),
    )


@routes.post("/api/suggest")
@require(*STAFF)
async def suggest(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser goes ("[" × 60 000)
        return web.json_response({"error": "请求格式应为 JSON"}, status=400)
    question = body.get("question") if isinstance(body, dict) else None
    if not isinstance(question, str):
        return web.json_response({"error": "缺少 question"}, status=400)
    suggestion = await context(request).suggester.suggest(request.app[HTTP], question)
    return web.json_response(suggestion.as_json())


@routes.get("/api/companies")
@require(*STAFF)
async def companies(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    history = await blocking(ctx.calls.company_history, request.query.get("q", ""))
    full = me.sees_phone_numbers
    zone = ctx.desk_settings.hours.zone
    return web.json_response(
        {
            "calls": [
                {
                    **c,
                    "at": c["at"].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    "topic": topic_label(c["intent"]),
                    "phone": shown_contact(c["phone"], full=full),
                }
                for c in history.calls
            ],
            "tickets": [
                {
                    **t,
                    "at": t["at"].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    "contact": shown_contact(t["contact"], full=full),
                }
                for t in history.tickets
            ],
        }
    )


async def _form_options(request: web.Request) -> dict[str, Any]:
    ctx = context(request)

    def load() -> tuple[list[Any], list[Any]]:
        with ctx.sessions() as session:
            staff = session.execute(
                select(ConsoleUser.id, ConsoleUser.display_name)
                .where(ConsoleUser.role.in_(STAFF))
                .order_by(ConsoleUser.display_name)
            ).all()
            experts = session.execute(select(Expert.id, Expert.name).order_by(Expert.name)).all()
        return staff, experts

    staff, experts = await blocking(load)
    vocabulary = ctx.vocabulary.entities
    return {
        "channels": CHANNEL_LABELS,
        "topics": TOPICS,
        "countries": list(vocabulary.get("country", {})),
        "ip_types": list(vocabulary.get("ip_type", {})),
        "staff_users": staff,
        "experts": experts,
    }


def _default_priority(intent: str | None) -> str:
    """A live dispute is urgent, as in the chat; staff can change it."""
    return "urgent" if intent == "report_dispute" else "normal"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
