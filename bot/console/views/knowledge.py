"""What the bot could not answer (未答问题), for staff and admins: the open gaps grouped by similar wording, with how
often each was asked, how the bot fell short and the item it chose, and a dismissal per group (audited). A group's
加为示例问题 and 新建条目 turn it into knowledge (bot/console/views/editor_items.py).

The queue itself is bot/desk/gaps.py; the action server fills it from every channel's turns.
"""

from __future__ import annotations

from aiohttp import web

from bot.console.web import blocking, context, principal, redirect, render, require
from bot.desk.schema import GAP_KINDS
from knowledge.editing import takes_questions

routes = web.RouteTableDef()
STAFF = ("staff", "admin", "editor")  # editors turn what the bot could not answer into items
KIND_LABELS = {
    "clarify": "请用户换个说法",
    "refer": "转介其他部门",
    "refuse": "拒绝回答",
    "weak_answer": "低置信度作答",
}
#: The most gaps one dismissal names (a group is at most what one page shows).
MAX_DISMISS = 2000
#: The variants of a group's wording shown under it.
VARIANTS = 5


@routes.get("/knowledge/gaps")
@require(*STAFF)
async def list_gaps(request: web.Request) -> web.Response:
    ctx = context(request)
    kind = request.query.get("kind") or None
    problem = None
    if kind is not None and kind not in GAP_KINDS:
        problem, kind = "无效的类型，已显示全部未答问题", None
    groups = await blocking(ctx.gaps.open_groups, kind=kind)
    kb = await blocking(ctx.knowledge.get)
    titles = {g.item: kb.get(g.item).title.zh for g in groups if g.item and kb.get(g.item) is not None}  # type: ignore[union-attr]
    choices = sorted((item.id, item.title.zh) for item in kb.items.values() if takes_questions(item))
    return render(
        request,
        "knowledge/gaps.html",
        groups=groups,
        titles=titles,
        kind=kind,
        kinds=KIND_LABELS,
        problem=problem,
        variants=VARIANTS,
        total=sum(g.count for g in groups),
        choices=choices,
    )


@routes.post("/knowledge/gaps/dismiss")
@require(*STAFF)
async def dismiss(request: web.Request) -> web.StreamResponse:
    ctx, me = context(request), principal(request)
    form = await request.post()
    raw = [part for part in str(form.get("ids") or "").split(",") if part.strip()]
    if not raw or len(raw) > MAX_DISMISS or not all(part.strip().isdigit() and len(part.strip()) <= 9 for part in raw):
        raise web.HTTPBadRequest(text="要忽略的问题编号无效（应为逗号分隔的数字）。")
    note = str(form.get("note") or "").strip()
    dismissed = await blocking(ctx.gaps.dismiss, [int(part) for part in raw], me, note=note)
    kind = str(form.get("kind") or "")
    back = "/knowledge/gaps" + (f"?kind={kind}" if kind in GAP_KINDS else "")
    raise redirect(back, flash=f"已忽略 {dismissed} 条未答问题。" if dismissed else "这些问题已被处理过。")
