"""Warnings (预警) for staff: the list with each warning's delivery counts, publishing one (it is pushed to the
matching subscribers at once), correcting it, and withdrawing it. Staff and admins; every change is audited in the
transaction that makes it. `python -m bot.processes.cli import-warnings FILE` publishes a whole file instead."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.desk import audit
from bot.console.accounts import Principal
from bot.console.web import blocking, context, principal, redirect, render, require
from bot.desk.schema import RiskWarning
from bot.desk.risk_warnings import DIMENSIONS, FIELD_LABELS, IMPORT_FIELDS, WarningFormError

routes = web.RouteTableDef()
STAFF = ("staff", "admin")
STATES = {"current": "现行", "expired": "已失效", "all": "全部"}
LIST_FIELDS = tuple(name for name, _, _ in DIMENSIONS)


def _auditor(me: Principal, now: Any) -> Any:
    """The `on_change` hook that writes the console's audit entry in the change's own transaction."""

    def record(session: Session, warning: RiskWarning, action: str, detail: dict[str, Any]) -> None:
        audit.record(session, me, action, at=now, object_type="warning", object_id=warning.id, detail=detail)

    return record


def _actor(me: Principal) -> str:
    return f"{me.role}:{me.username}"[:64]


async def _values(request: web.Request) -> dict[str, Any]:
    """The form as typed: lists for the multi-selects, text for the rest (kept to show again on an error)."""
    form = await request.post()
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in IMPORT_FIELDS if name not in LIST_FIELDS}
    for name in LIST_FIELDS:
        values[name] = [str(v) for v in form.getall(name, [])]
    values["illustrative"] = "1" if form.get("illustrative") == "1" else ""
    return values


def _options(request: web.Request) -> dict[str, Any]:
    entities = context(request).vocabulary.entities
    return {"choices": {name: list(entities.get(entity, {})) for name, entity, _ in DIMENSIONS}, "labels": FIELD_LABELS}


def _as_values(warning: RiskWarning) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(warning, name) or "" for name in IMPORT_FIELDS}
    values["products"] = "、".join(warning.products or [])
    values["published_on"] = warning.published_on.isoformat()
    values["valid_until"] = warning.valid_until.isoformat() if warning.valid_until else ""
    values["illustrative"] = "1" if warning.illustrative else ""
    return values


async def _warning_or_404(request: web.Request) -> RiskWarning:
    warning = await blocking(context(request).warnings.get, int(request.match_info["id"]))
    if warning is None:
        raise web.HTTPNotFound()
    return warning


@routes.get("/warnings")
@require(*STAFF)
async def list_warnings(request: web.Request) -> web.Response:
    ctx = context(request)
    state = request.query.get("state") or "current"
    problem = None
    if state not in STATES:
        problem, state = "无效的状态，已显示现行预警", "current"
    rows = await blocking(ctx.warnings.listing, state=None if state == "all" else state)
    counts = await blocking(ctx.warnings.delivery_counts, [w.id for w in rows])
    current = {w.id: ctx.warnings.is_current(w) for w in rows}
    return render(
        request,
        "warnings/list.html",
        rows=rows,
        counts=counts,
        current=current,
        state=state,
        states=STATES,
        problem=problem,
    )


@routes.get("/warnings/new")
@require(*STAFF)
async def new_warning(request: web.Request) -> web.Response:
    today = context(request).warnings.today().isoformat()
    return render(
        request, "warnings/form.html", warning=None, values={"published_on": today}, errors={}, **_options(request)
    )


@routes.post("/warnings")
@require(*STAFF)
async def publish(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    values = await _values(request)
    try:
        draft = ctx.warnings.parse(values)
    except WarningFormError as error:
        return render(
            request,
            "warnings/form.html",
            status=422,
            warning=None,
            values=values,
            errors=error.errors,
            **_options(request),
        )
    published = await blocking(ctx.warnings.publish, draft, _actor(me), on_change=_auditor(me, ctx.clock.now()))
    sample = "（示例预警不推送）" if draft.illustrative else ""
    raise redirect(
        f"/warnings/{published.warning.id}",
        flash=f"预警 warning:{published.warning.id} 已发布，已排队推送给 {published.queued} 位订阅者{sample}。",
    )


@routes.get("/warnings/{id:\\d{1,9}}")
@require(*STAFF)
async def show_warning(request: web.Request) -> web.Response:
    ctx = context(request)
    warning = await _warning_or_404(request)
    counts = (await blocking(ctx.warnings.delivery_counts, [warning.id]))[warning.id]
    return render(
        request,
        "warnings/detail.html",
        w=warning,
        counts=counts,
        current=ctx.warnings.is_current(warning),
        labels=FIELD_LABELS,
    )


@routes.get("/warnings/{id:\\d{1,9}}/edit")
@require(*STAFF)
async def edit_warning(request: web.Request) -> web.Response:
    warning = await _warning_or_404(request)
    return render(
        request, "warnings/form.html", warning=warning, values=_as_values(warning), errors={}, **_options(request)
    )


@routes.post("/warnings/{id:\\d{1,9}}")
@require(*STAFF)
async def update(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    warning = await _warning_or_404(request)
    values = await _values(request)
    try:
        draft = ctx.warnings.parse(values)
        published = await blocking(
            ctx.warnings.update, warning.id, draft, _actor(me), on_change=_auditor(me, ctx.clock.now())
        )
    except WarningFormError as error:
        return render(
            request,
            "warnings/form.html",
            status=422,
            warning=warning,
            values=values,
            errors=error.errors,
            **_options(request),
        )
    more = f"，新匹配的 {published.queued} 位订阅者已排队推送" if published.queued else ""
    raise redirect(f"/warnings/{warning.id}", flash=f"预警 warning:{warning.id} 已修改{more}。")


@routes.post("/warnings/{id:\\d{1,9}}/expire")
@require(*STAFF)
async def expire(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    warning = await _warning_or_404(request)
    try:
        await blocking(ctx.warnings.expire, warning.id, _actor(me), on_change=_auditor(me, ctx.clock.now()))
    except WarningFormError:
        raise redirect(f"/warnings/{warning.id}", flash="这条预警已经失效了。")
    raise redirect(
        f"/warnings/{warning.id}",
        flash=f"预警 warning:{warning.id} 已失效：不再出现在查询中，尚未送达的推送也不再显示。",
    )
