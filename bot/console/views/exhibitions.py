"""Trade fairs abroad for staff: the upcoming fairs (or past ones) with the enterprises registered for each, what they
exhibit and hold, the services they asked for, the notices the scheduler sent, and how it went; and the on-site
contact (驻会联系人) the opening-day message gives, set per fair. Staff and admins; the change is audited."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.desk import audit
from bot.console.web import blocking, context, principal, redirect, render, require
from bot.desk.exhibitions import STAGE_LABELS
from bot.desk.fields import FieldError, clean_text

routes = web.RouteTableDef()
STAFF = ("staff", "admin")
MAX_CONTACT = 300


@routes.get("/exhibitions")
@require(*STAFF)
async def list_fairs(request: web.Request) -> web.Response:
    ctx = context(request)
    past = request.query.get("when") == "past"
    groups = await blocking(ctx.exhibitions.fairs, past=past)
    notices = await blocking(ctx.exhibitions.notices, [r.id for g in groups for r in g.registrations])
    return render(
        request,
        "exhibitions/list.html",
        groups=groups,
        notices=notices,
        past=past,
        stages=STAGE_LABELS,
        default_contact=ctx.desk_settings.fair_contact,
    )


@routes.post("/exhibitions/contact")
@require(*STAFF)
async def set_contact(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    form = await request.post()
    ids = [int(str(v)) for v in form.getall("registration", []) if str(v).isdigit() and len(str(v)) < 10]
    raw = str(form.get("onsite_contact") or "").strip()
    if not ids:
        raise redirect("/exhibitions", flash="没有选中任何登记。")
    try:
        contact = clean_text(raw, max_length=MAX_CONTACT, what=("驻会联系人", "contact")) if raw else None
    except FieldError as error:
        raise redirect("/exhibitions", flash=f"未保存：{error.zh}")
    now = ctx.clock.now()

    def record(session: Session, changed_ids: list[int]) -> None:
        audit.record(
            session,
            me,
            "change",
            at=now,
            object_type="exhibition",
            object_id=",".join(map(str, changed_ids))[:64],
            detail={"onsite_contact": contact, "registrations": changed_ids},
        )

    changed = await blocking(ctx.exhibitions.set_onsite_contact, ids, contact, on_change=record)
    raise redirect("/exhibitions", flash=f"已为 {changed} 家参展企业{'设置' if contact else '清除'}驻会联系人。")
